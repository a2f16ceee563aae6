import Foundation

/// Reads and writes one-dimensional array literals: `{a,"b c",NULL}`.
enum PostgresArray {
    /// The elements of a one-dimensional array literal, nil for NULL.
    static func parse(_ text: String) -> [String?]? {
        let characters = Array(text.unicodeScalars)
        guard characters.first == "{", characters.last == "}" else { return nil }
        var elements: [String?] = []
        var index = 1
        let end = characters.count - 1
        if index == end { return [] }
        while index < end {
            var element = String.UnicodeScalarView()
            var quoted = false
            if characters[index] == "{" { return nil }  // more than one dimension
            if characters[index] == "\"" {
                quoted = true
                index += 1
                while index < end, characters[index] != "\"" {
                    if characters[index] == "\\" { index += 1 }
                    guard index < end else { return nil }
                    element.append(characters[index])
                    index += 1
                }
                index += 1
            } else {
                while index < end, characters[index] != "," {
                    element.append(characters[index])
                    index += 1
                }
            }
            let value = String(element)
            elements.append(!quoted && value == "NULL" ? nil : value)
            if index < end {
                guard characters[index] == "," else { return nil }
                index += 1
            }
        }
        return elements
    }

    /// An array literal with every element quoted.
    static func format(_ elements: [String]) -> String {
        let quoted = elements.map { element in
            "\"" + element.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }
}
