/// Rows laid out in columns as wide as their widest cell plus two spaces; the
/// last column is not padded. Long text (a packet's "FIN of dial 1, sent during
/// dial 2's connect") widens its column instead of running into the next one.
public func columns(_ rows: [[String]]) -> String {
    let n = rows.map(\.count).max() ?? 0
    var width = [Int](repeating: 0, count: n)
    for row in rows {
        for (i, cell) in row.enumerated() where i < n - 1 { width[i] = max(width[i], cell.count) }
    }
    return rows.map { row in
        row.enumerated().map { i, cell in i < row.count - 1 ? pad(cell, width[i] + 2) : cell }.joined()
    }.joined(separator: "\n") + (rows.isEmpty ? "" : "\n")
}
