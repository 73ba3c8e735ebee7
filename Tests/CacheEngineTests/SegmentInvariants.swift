import XCTest
@testable import CacheEngine

/// Checks of the segmented LRU's bookkeeping, walking every queue of every class under its LRU lock.
/// Call it when no other thread changes items (the maintainer may run: it moves items only under
/// the LRU lock held here).
extension CacheEngine {
    struct SegmentCheck {
        var problems: [String] = []
        var linkedItems = 0
    }

    func checkSegments() -> SegmentCheck {
        var check = SegmentCheck()
        var seen = Set<UInt32>()
        for classID in 1..<lrus.classCount {
            lrus.locks.lock(classID)
            defer { lrus.locks.unlock(classID) }
            let state = lrus.states[classID]
            var classBytes = 0
            var classCount = 0
            for queue in LRUQueue.all {
                let walked = walk(classID, queue, seen: &seen, problems: &check.problems)
                if walked.count != state[queue].count {
                    check.problems.append("class \(classID) \(queue): walked \(walked.count), counted \(state[queue].count)")
                }
                if walked.bytes != state[queue].bytes {
                    check.problems.append("class \(classID) \(queue): walked \(walked.bytes) bytes, counted \(state[queue].bytes)")
                }
                classBytes += walked.bytes
                classCount += walked.count
            }
            if classBytes != state.bytes { check.problems.append("class \(classID): bytes \(state.bytes) != \(classBytes)") }
            check.linkedItems += classCount
        }
        // Looked up under each key's stripe, after the LRU locks (the engine's lock order is stripe
        // then LRU): the hash expander may be moving buckets meanwhile, under the stripes.
        for reference in seen {
            let item = arena.item(reference)
            let found = withStripe(of: item.key) { hash in table.find(item.key, hash: hash)?.raw == item.raw }
            if !found { check.problems.append("class \(item.slabClass): item not in the hash table") }
        }
        return check
    }

    /// One queue from head to tail: links agree both ways, every item is linked, in this queue and
    /// class, and seen in no other queue (`checkSegments` then finds each by its key in the table).
    private func walk(_ classID: Int, _ queue: LRUQueue, seen: inout Set<UInt32>,
                      problems: inout [String]) -> (count: Int, bytes: Int) {
        var reference = lrus.queueHead(classID, queue)
        var previous: UInt32 = 0
        var count = 0
        var bytes = 0
        while reference != 0 {
            let item = arena.item(reference)
            guard seen.insert(reference).inserted else {
                problems.append("class \(classID) \(queue): item linked twice")
                break
            }
            if item.lruPrev != previous { problems.append("class \(classID) \(queue): broken back link") }
            if !item.isLinked { problems.append("class \(classID) \(queue): unlinked item in a queue") }
            if item.slabClass != classID { problems.append("class \(classID) \(queue): item of class \(item.slabClass)") }
            if lrus.queue(of: item) != queue { problems.append("class \(classID) \(queue): item says \(lrus.queue(of: item))") }
            count += 1
            bytes += item.totalSize
            previous = reference
            reference = item.lruNext
        }
        if lrus.queueTail(classID, queue) != previous { problems.append("class \(classID) \(queue): tail is not the last item") }
        return (count, bytes)
    }

    /// Items and bytes of one queue of a class.
    func segmentFigures(_ classID: Int, _ segment: LRUSegment) -> (count: Int, bytes: Int) {
        lrus.locks.lock(classID)
        defer { lrus.locks.unlock(classID) }
        return (lrus.states[classID][segment.queue].count, lrus.states[classID][segment.queue].bytes)
    }

    /// The segment of a live key (nil when absent). Only while no other thread uses the key.
    func segment(of key: String) -> LRUSegment? {
        var key = key
        return key.withUTF8 { bytes -> LRUSegment? in
            let raw = UnsafeRawBufferPointer(bytes)
            return withStripe(of: raw) { hash in table.find(raw, hash: hash).map { LRUSegment(lrus.queue(of: $0)) } }
        }
    }

    /// Juggles every class until nothing moves (bounded).
    func juggleUntilSettled() {
        for classID in 1..<lrus.classCount {
            for _ in 0..<1000 {
                guard juggleSegments(classID) > 0 else { break }
            }
        }
    }
}
