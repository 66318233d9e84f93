import MarginTUI

/// `reduce` as the app runs it, with the computations (``Effect/drill(_:)``, ``Effect/reviewMetrics(_:)``)
/// performed at once and fed back, where the app performs them off the main actor. Returns the other effects.
@discardableResult
public func drive(_ state: inout AppState, _ action: Action) -> [Effect] {
    var out: [Effect] = []
    var queue = reduce(&state, action)
    while !queue.isEmpty {
        let e = queue.removeFirst()
        switch e {
        case .drill(let request): queue += reduce(&state, request.compute())
        case .reviewMetrics(let request): queue += reduce(&state, request.compute())
        default: out.append(e)
        }
    }
    return out
}

/// Presses `keys` in order (as ``drive(_:_:)`` does each); returns the effects the app would perform.
@discardableResult
public func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
    var all: [Effect] = []
    for k in keys { all += drive(&state, .key(k)) }
    return all
}

/// Types `text` a character at a time.
public func typeText(_ state: inout AppState, _ text: String) {
    for c in text { _ = drive(&state, .key(.char(c))) }
}
