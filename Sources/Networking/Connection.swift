import CLibevent
import OutputBuffers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client socket, owned by exactly one worker thread and touched only from it. Moves bytes between
/// the socket and the session: reads into `input`, lets the session turn complete requests into
/// responses in `output`, and writes those out, through its `Transport` (clear or TLS; the session
/// cannot tell which). Two libevent events: `readEvent` (persistent, added
/// while the worker wants requests from this client) and `writeEvent` (persistent, added only while
/// output is waiting for the socket to drain).
final class Connection {
    let fd: Int32
    /// What the session factory and the observer were told of this connection.
    private let info: ConnectionInfo
    /// unowned(unsafe): the worker outlives every connection it owns (it closes them all before it goes
    /// away), and a checked `unowned` costs an atomic retain/release on every access in the hot path.
    private unowned(unsafe) let worker: Worker
    private let session: ConnectionSession
    private let transport: Transport
    private var input: InputBuffer
    /// The worker pool's block size (kept here: the send path compares with it every time).
    private let bufferBlockSize: Int
    private var output: OutputBuffer
    private var readEvent: OpaquePointer?
    private var writeEvent: OpaquePointer?

    private var readArmed = false
    private var writeArmed = false
    /// Complete requests may be waiting in `input` (after a yield or a pause): serve them before reading.
    private var resumeServing = false
    /// The session asked to close: no more requests, close once `output` is sent.
    private var closeAfterFlush = false
    /// A TLS read (the handshake, mostly) could not go on until the socket takes output: the write
    /// event is armed for it, and reading resumes when it fires.
    private var readWaitsForWritable = false
    /// A TLS write could not go on until the socket has input: retried on the next read event.
    private var writeWaitsForReadable = false
    private(set) var isClosed = false
    /// Worker clock second of the last complete command (or of the accept), for the idle timeout. As in
    /// memcached, bytes alone do not count: a client trickling a request one byte at a time is idle.
    private var lastCommand: Int
    /// Worker clock second since which the session has been holding part of a request (a line
    /// without its newline, a data block not yet whole); nil while it holds none.
    private var partialSince: Int?
    /// A `watch` connection: its input is ignored and its output is what this feed holds (filled
    /// by producers on any thread, drained here when the worker is woken for it, see `drainFeed`).
    private var feed: OutputFeed?

    init(info: ConnectionInfo, worker: Worker, transport: Transport, session: ConnectionSession) {
        fd = info.descriptor
        self.info = info
        self.worker = worker
        self.transport = transport
        self.session = session
        input = InputBuffer(pool: worker.buffers)
        bufferBlockSize = worker.buffers.blockSize
        output = .unallocated
        lastCommand = worker.now
    }

    /// `stats conns`: where the client is, where it came in, and what it is doing. `now` is the worker's
    /// clock, the one `lastCommand` is stamped with; the connection being served is running a command
    /// this very moment (0 seconds, as memcached shows it).
    func describe(at now: Int, serving: Bool) -> ConnectionDescription {
        let state: ConnectionDescription.State = serving ? .serving : (writeArmed ? .writing : .reading)
        return ConnectionDescription(descriptor: fd, kind: .client(listenAddress: ConnectionRoster.localText(fd, "tcp")),
                                     address: ConnectionRoster.peerText(fd, "tcp"), state: state,
                                     secondsSinceLastCommand: serving ? 0 : max(0, now - lastCommand))
    }

    /// Creates the events on the worker's base and starts reading. False if libevent refused.
    func register(on base: OpaquePointer) -> Bool {
        let context = Unmanaged.passUnretained(self).toOpaque()
        readEvent = event_new(base, fd, EventFlags.read | EventFlags.persist, { _, _, context in
            let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
            // The worker may drop its reference while we run (close); keep the object alive until we return.
            withExtendedLifetime(connection) { connection.handleReadable() }
        }, context)
        writeEvent = event_new(base, fd, EventFlags.write | EventFlags.persist, { _, _, context in
            let connection = Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue()
            withExtendedLifetime(connection) { connection.handleWritable() }
        }, context)
        guard readEvent != nil, writeEvent != nil else { return false }
        armReading()
        return true
    }

    // MARK: Events

    private func handleReadable() {
        guard !isClosed else { return }
        if writeWaitsForReadable {
            writeWaitsForReadable = false
            flush()
            guard !isClosed else { return }
        }
        guard !closeAfterFlush else { return }
        if resumeServing {
            // Activated by us after a yield or a drain: finish what is buffered before reading more,
            // so a pipelining client cannot starve the others on this worker.
            resumeServing = false
            serve()
            // Bytes TLS holds decrypted raise no socket event: read them now unless serving paused.
            guard transport.hasBufferedInput, !isClosed, readArmed, !resumeServing, !closeAfterFlush else { return }
        }
        readInput()
    }

    /// Reads and serves until the transport has nothing more (or serving must pause).
    private func readInput() {
        while true {
            // A TLS handshake first, before a read block is lent: a client stalling half-way
            // holds only OpenSSL's state, not a buffer.
            if !transport.isEstablished, let waiting = transport.handshake() {
                guard goesOn(after: waiting) else { return }
                continue
            }
            guard input.acquireStorage() else { return closeOutOfBufferMemory() }
            let space = input.writableSpace()
            if space.count == 0 {
                // A single request larger than the buffer: make room for it, within bounds.
                guard input.capacity < worker.limits.maxInputCapacity else {
                    worker.log.warning("<\(fd) request larger than \(input.capacity) bytes, closing")
                    close()
                    return
                }
                input.grow()
                continue
            }
            let result = transport.receive(from: fd, into: space)
            guard case .moved(let received) = result else {
                guard goesOn(after: result) else { return }
                continue
            }
            input.commitRead(received)
            worker.counters.add(.bytesRead, UInt64(received))
            if feed != nil {
                input.consume(received)  // a watcher only listens, as in memcached
                continue
            }
            serve()
            // Read again only if the session is stuck on an incomplete request that filled the
            // buffer, or TLS holds more; otherwise level-triggered libevent calls back while
            // more is waiting.
            if isClosed || !readArmed || resumeServing || !(input.isFull || transport.hasBufferedInput) { return }
        }
    }

    /// A read that moved nothing: whether to try again at once (false: wait for an event, or closed).
    private func goesOn(after result: TransportIO) -> Bool {
        switch result {
        case .moved, .interrupted:
            return true
        case .blocked(.readable):
            return false
        case .blocked(.writable):
            waitWritableToRead()
            return false
        case .ended:
            close()  // orderly shutdown by the client
            return false
        case let .failed(code, quiet):
            if !quiet { worker.log.warning("<\(fd) read error: \(String(cString: strerror(code)))") }
            close(reason: .error)
            return false
        }
    }

    private func waitWritableToRead() {
        readWaitsForWritable = true
        armWriting()
    }

    private func handleWritable() {
        guard !isClosed else { return }
        if readWaitsForWritable {
            readWaitsForWritable = false
            readInput()
            guard !isClosed else { return }
        }
        flush()
        guard !isClosed, output.isEmpty else { return }
        if feed != nil { return drainFeed() }
        if closeAfterFlush {
            close()
        } else if !readArmed {
            // Reading was paused on the high-water mark; resume and serve what is already buffered.
            armReading()
            if input.readableCount > 0 || transport.hasBufferedInput { scheduleServing() }
        }
    }

    // MARK: Serving

    /// Lets the session handle the buffered requests (at most `-R`), then sends the responses.
    /// Blocks stay lent between requests (the sweep takes them back once a second) while the
    /// worker's connections hold few; past the pool's budget each serve gives back what it left
    /// empty, so thousands of clients that each send a request now and then, or a large value a
    /// piece at a time, cannot hold 32 KB each until the next sweep.
    private func serve() {
        guard lendOutputStorage() else { return closeOutOfBufferMemory() }
        worker.servingDescriptor = fd
        let progress = session.process(input.readable, into: &output, requestLimit: worker.limits.requestsPerEvent)
        worker.servingDescriptor = -1
        input.consume(progress.consumed)
        noteCommands(progress.commands)
        if progress.startsFeed { startFeed() }
        if progress.shouldClose {
            closeAfterFlush = true
            disarmReading()
        }
        flush()
        guard !isClosed else { return }
        if closeAfterFlush {
            if output.isEmpty { close() }
            return
        }
        if output.readableCount >= worker.limits.outputHighWater {
            // The client is not reading its responses: stop taking its requests until it does.
            disarmReading()
            return
        }
        if progress.yielded {
            worker.counters.add(.connYields)
            scheduleServing()
        }
        if worker.buffers.isOverBudget { giveBackWhatIsEmpty() }
    }

    /// Restarts the idle clock on complete commands and starts the incomplete-request clock when a
    /// serve ends with part of a request held (unconsumed bytes, or a data block whose bytes the
    /// session took but that is not whole: a serve that ran no command holds one of those).
    @inline(__always)
    private func noteCommands(_ commands: Int) {
        let now = worker.now
        if commands > 0 {
            lastCommand = now
            partialSince = input.readableCount > 0 ? now : nil
        } else if partialSince == nil {
            partialSince = now
        }
    }

    /// Whether the worker's once-a-second sweep closes this connection: with `-o idle_timeout`, no
    /// complete command for longer than that; without it, a request left incomplete for longer than
    /// `incompleteRequestTimeout`. A client slowly reading its responses is never timed out (memcached
    /// does not time out a connection that is writing either).
    func hasTimedOut(at now: Int) -> Bool {
        // A watcher sends no commands; memcached's logger thread never times one out either.
        guard output.isEmpty, !closeAfterFlush, feed == nil else { return false }
        let limits = worker.limits
        // A TLS handshake not finished in time (the accept stamped `lastCommand`).
        if !transport.isEstablished, now - lastCommand > limits.handshakeTimeout { return true }
        if limits.idleTimeout > 0 { return now - lastCommand > limits.idleTimeout }
        guard let partialSince else { return false }
        return now - partialSince > limits.incompleteRequestTimeout
    }

    /// Comes back to this connection's buffered requests after the other ready events have run.
    private func scheduleServing() {
        resumeServing = true
        event_active(readEvent, Int32(EventFlags.read), 0)
    }

    /// Writes as much output as the socket takes; arms `writeEvent` for the rest.
    private func flush() {
        while !output.isEmpty {
            switch transport.send(&output, on: fd, vectors: worker.ioVectors) {
            case .moved(let sent):
                output.consume(sent)
                worker.counters.add(.bytesWritten, UInt64(sent))
            case .interrupted:
                continue
            case .blocked(.writable):
                armWriting()
                return
            case .blocked(.readable):
                writeWaitsForReadable = true
                armReading()
                return
            case .ended:
                close()
                return
            case let .failed(code, quiet):
                if !quiet { worker.log.warning("<\(fd) write error: \(String(cString: strerror(code)))") }
                close(reason: .error)
                return
            }
        }
        if writeArmed, !readWaitsForWritable {
            event_del(writeEvent)
            writeArmed = false
        }
        // A buffer grown past the pool's block for a burst is freed at once; a block stays lent
        // until the worker's sweep finds the connection idle (`returnIdleBuffers`), or the serve
        // ends with the pool over its budget.
        if output.capacity != bufferBlockSize { takeBackOutputStorage() }
    }

    // MARK: Output feeds

    /// The session handed over an output feed (it became a watcher): producers wake this worker (a
    /// hand-off naming our socket) when bytes arrive for an idle feed; bytes already waiting go out
    /// after the session's own answer.
    private func startFeed() {
        guard let sessionFeed = session.outputFeed else { return }
        feed = sessionFeed
        let queue = worker.queue, descriptor = fd
        sessionFeed.attach { queue.push(.feedOutput(fd: descriptor)) }
        scheduleFeedDrain()
    }

    /// Drains the feed once the current serve has sent its answer (the read event runs us again).
    private func scheduleFeedDrain() {
        worker.queue.push(.feedOutput(fd: fd))
    }

    /// Moves pending feed bytes into the output and sends them, one block at a time, until the feed
    /// is empty or the socket is full (the write event then calls us again).
    func drainFeed() {
        guard !isClosed, let feed else { return }
        while output.isEmpty {
            guard lendOutputStorage() else { return closeOutOfBufferMemory() }
            var moved = 0
            feed.take(upTo: bufferBlockSize) { piece in
                output.append(piece)
                moved += piece.count
                return piece.count
            }
            guard moved > 0 else { return }
            flush()
            guard !isClosed else { return }
        }
    }

    // MARK: Buffers

    /// Gives `output` a block of the worker's pool for the answers to come (it has none while idle).
    @inline(__always)
    private func lendOutputStorage() -> Bool {
        guard !output.hasStorage else { return true }
        guard let block = worker.buffers.take() else { return false }
        output.adopt(block, capacity: worker.buffers.blockSize)
        worker.counters.add(.responseBuffersLent)
        return true
    }

    /// The output's block went back (or was freed): no longer counted in response_obj_count/bytes
    /// (a buffer that grew past its block still counts as the block it was lent).
    private func countOutputStorageReturned() {
        worker.counters.add(.responseBuffersReturned)
    }

    /// The worker's sweep: buffers with nothing pending go back to the pool.
    func returnIdleBuffers() {
        guard !isClosed else { return }
        giveBackWhatIsEmpty()
        if output.isEmpty { transport.releaseIdleBuffers() }
    }

    /// The input block if every byte was taken, the output block if every byte was sent.
    private func giveBackWhatIsEmpty() {
        input.releaseIfEmpty()
        if output.isEmpty { takeBackOutputStorage() }
    }

    /// Everything is sent: the block goes back to the pool (a buffer grown past it is freed, and
    /// the pool told that the block it lent was freed on the way).
    private func takeBackOutputStorage() {
        guard let (block, capacity) = output.surrender() else { return }
        countOutputStorageReturned()
        if capacity == worker.buffers.blockSize {
            worker.buffers.give(block)
        } else {
            block.deallocate()
            worker.buffers.forget()
        }
    }

    /// `-o read_buf_mem_limit` leaves no buffer for this connection: memcached closes it too.
    private func closeOutOfBufferMemory() {
        worker.log.warning("<\(fd) no read or response buffer within read_buf_mem_limit, closing")
        close()
    }

    private func armWriting() {
        guard !writeArmed else { return }
        event_add(writeEvent, nil)
        writeArmed = true
    }

    private func armReading() {
        guard !readArmed else { return }
        event_add(readEvent, nil)
        readArmed = true
    }

    private func disarmReading() {
        guard readArmed else { return }
        event_del(readEvent)
        readArmed = false
    }

    // MARK: Closing

    /// Releases everything and tells the worker; safe to call from inside this connection's callbacks.
    /// `reason` is what the worker's `ConnectionObserver` is told.
    func close(reason: ConnectionCloseReason = .normal) {
        guard !isClosed else { return }
        isClosed = true
        feed?.detach()
        worker.connectionClosing(info, reason: reason)
        if let readEvent { event_free(readEvent) }  // event_free deletes a pending event first
        if let writeEvent { event_free(writeEvent) }
        readEvent = nil
        writeEvent = nil
        session.close()
        transport.close()
        closeDescriptor(fd)
        input.deallocate()
        // Whatever storage the output has is the block the pool lent it, or what it grew into.
        let lent = output.hasStorage
        output.deallocate()  // also lets go of pinned values not sent
        if lent {
            worker.buffers.forget()
            countOutputStorageReturned()
        }
        worker.connectionDidClose(self)
    }
}
