/// Splits the per-class names of `stats items` (`items:<class>:<field>`) and `stats slabs`
/// (`<class>:<field>`) into their class and field; a name without a class (`active_slabs`) is nil.
struct ClassStatKey: Equatable {
    let classID: String
    let field: String

    init?(itemsName name: String) {
        guard name.hasPrefix("items:") else { return nil }
        self.init(slabsName: String(name.dropFirst("items:".count)))
    }

    init?(slabsName name: String) {
        guard let colon = name.firstIndex(of: ":") else { return nil }
        let classPart = name[..<colon]
        guard !classPart.isEmpty, classPart.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        classID = String(classPart)
        field = String(name[name.index(after: colon)...])
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
