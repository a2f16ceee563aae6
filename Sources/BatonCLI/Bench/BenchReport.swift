import Foundation
import Baton

/// The figures of a bench run, as a table a person reads at a glance or as JSON.
struct BenchReport {
    let figures: [BenchFigure]

    func print(json: Bool) throws {
        if json {
            let rows: [JSONValue] = figures.map { figure in
                var row: [String: JSONValue] = [
                    "name": .string(figure.name), "unit": .string(figure.unit), "median": .double(figure.median),
                    "runs": .array(figure.runs.map { .double($0) }),
                ]
                if let ratio = ratio(of: figure) { row["ratio_to_baseline"] = .double(ratio) }
                return .object(row)
            }
            Swift.print(try JSONValue.array(rows).jsonText())
            return
        }
        let width = figures.map(\.name.count).max() ?? 0
        Swift.print("figure".padding(width) + "      median  unit      vs baseline")
        for figure in figures {
            let value = figure.median >= 100 ? String(Int(figure.median.rounded())) : String(format: "%.2f", figure.median)
            let compared = ratio(of: figure).map { String(format: "%.0f %%", $0 * 100) } ?? ""
            Swift.print(figure.name.padding(width) + "  " + value.leftPadding(10) + "  " + figure.unit.padding(8)
                + "  " + compared)
        }
    }

    /// The figure's median over its baseline's median, when both were measured.
    private func ratio(of figure: BenchFigure) -> Double? {
        guard let name = figure.baseline, let base = figures.first(where: { $0.name == name }), base.median > 0
        else { return nil }
        return figure.median / base.median
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
