/// A set of slab class ids, bit N for class N: the crawler's selections (`lru_crawler crawl 1,5`,
/// `metadump all`, the automatic schedule). 128 bits, as class ids are 7 bits (ItemFlags.classMask).
public typealias SlabClassMask = UInt128

extension SlabClassMask {
    @inline(__always)
    func contains(_ classID: Int) -> Bool {
        classID >= 0 && classID < SlabClassMask.bitWidth && self & (1 << SlabClassMask(classID)) != 0
    }
}
