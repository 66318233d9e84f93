import MarginTUI

/// `reduce` as the app runs it, with the distance analyses (``Effect/analyze(_:)``) performed at once
/// and fed back, where the app performs them off the main actor. Returns the other effects.
@discardableResult
public func drive(_ state: inout AppState, _ action: Action) -> [Effect] {
    var out: [Effect] = []
    var queue = reduce(&state, action)
    while !queue.isEmpty {
        let e = queue.removeFirst()
        if case .analyze(let request) = e { queue += reduce(&state, request.compute()) } else { out.append(e) }
    }
    return out
}
