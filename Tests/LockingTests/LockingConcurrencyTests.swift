import XCTest
import Locking

/// The lock, condition variable and thread types every module uses, exercised from several real
/// threads (this suite also runs under ThreadSanitizer, which must see every one of these locks).
final class LockingConcurrencyTests: XCTestCase {
    /// Plain mutable state shared between threads: only a lock keeps it consistent.
    final class Box: @unchecked Sendable {
        var count = 0
        var flag = false
    }

    private func runThreads(_ count: Int, _ body: @escaping (Int) -> Void) throws {
        let threads = try (0..<count).map { index in try PosixThread(name: "test-\(index)") { body(index) } }
        for thread in threads { thread.join() }
    }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    func testLockKeepsEveryIncrementOfEightThreads() throws {
        let lock = Lock()
        let box = Box()
        try runThreads(8) { _ in
            for _ in 0..<20_000 { lock.withLock { box.count += 1 } }
        }
        XCTAssertEqual(box.count, 8 * 20_000)
    }

    func testLockedKeepsEveryAppendOfEightThreads() throws {
        let values = Locked<[Int]>([])
        try runThreads(8) { index in
            for step in 0..<1_000 { values.withLock { $0.append(index * 1_000 + step) } }
        }
        XCTAssertEqual(values.withLock { $0.sorted() }, Array(0..<8_000))
    }

    func testTryLockFailsWhileAnotherThreadHoldsTheLockAndSucceedsAfter() throws {
        let lock = Lock()
        let box = Box()
        lock.lock()
        try runThreads(1) { _ in box.flag = lock.tryLock() }
        XCTAssertFalse(box.flag, "tryLock took a lock another thread holds")
        lock.unlock()
        try runThreads(1) { _ in
            box.flag = lock.tryLock()
            if box.flag { lock.unlock() }
        }
        XCTAssertTrue(box.flag, "tryLock failed on a free lock")
    }

    func testMutexArrayLocksAreIndependent() throws {
        let mutexes = MutexArray(count: 4)
        defer { mutexes.destroy() }
        mutexes.lock(2)
        let taken = try tryLockEachFromAnotherThread(mutexes)
        mutexes.unlock(2)
        XCTAssertEqual(taken, [true, true, false, true])
    }

    /// Whether another thread could take each mutex (released again at once).
    private func tryLockEachFromAnotherThread(_ mutexes: MutexArray) throws -> [Bool] {
        let taken = Locked<[Bool]>([])
        try runThreads(1) { _ in
            for index in 0..<mutexes.count {
                let got = mutexes.tryLock(index)
                if got { mutexes.unlock(index) }
                taken.withLock { $0.append(got) }
            }
        }
        return taken.withLock { $0 }
    }

    func testContendedMutexArrayLocksAreIndependentAndKeepEveryIncrement() throws {
        let mutexes = MutexArray(count: 4, layout: .contended)
        defer { mutexes.destroy() }
        // Four counters in raw memory: each is only ever touched under its own mutex.
        final class Counters: @unchecked Sendable {
            let values = UnsafeMutablePointer<Int>.allocate(capacity: 4)
            init() { values.initialize(repeating: 0, count: 4) }
            deinit { values.deallocate() }
        }
        let counters = Counters()
        // Each of eight threads increments all four counters, each under its own mutex.
        try runThreads(8) { _ in
            for step in 0..<20_000 {
                let index = step % 4
                mutexes.lock(index)
                counters.values[index] += 1
                mutexes.unlock(index)
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: counters.values, count: 4)), [Int](repeating: 8 * 5_000, count: 4))
        mutexes.lock(1)
        let taken = try tryLockEachFromAnotherThread(mutexes)
        mutexes.unlock(1)
        XCTAssertEqual(taken, [true, false, true, true])
    }

    func testConditionWaitEndsWhenItsTimeHasPassed() {
        let lock = Lock()
        let condition = ConditionVariable()
        let elapsed = seconds {
            lock.withLock { condition.wait(on: lock, seconds: 0.2) }
        }
        XCTAssertGreaterThanOrEqual(elapsed, 0.19)
        XCTAssertLessThan(elapsed, 5)
    }

    func testSignalWakesAWaiterLongBeforeItsTimeout() throws {
        let lock = Lock()
        let condition = ConditionVariable()
        let box = Box()
        let elapsed = try seconds {
            let waiter = try PosixThread(name: "waiter") {
                lock.withLock {
                    let deadline = Date().addingTimeInterval(30)
                    while !box.flag && Date() < deadline { condition.wait(on: lock, seconds: 30) }
                }
            }
            usleep(50_000)
            lock.withLock {
                box.flag = true
                condition.signal()
            }
            waiter.join()
        }
        XCTAssertLessThan(elapsed, 10, "the waiter slept through the signal")
    }

    func testJoinWaitsForTheThreadsWork() throws {
        let box = Box()
        let thread = try PosixThread(name: "worker") {
            usleep(100_000)
            box.count = 42
        }
        thread.join()
        XCTAssertEqual(box.count, 42)
        thread.join()  // a second join has nothing to wait for
    }
}
