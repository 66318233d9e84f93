import ArgumentParser
import MarginCore
import MarginStore

/// What `review ack` and `review resolve` share: the review, a note, the version seen, the store
/// and the operator; and the move itself.
struct ReviewMoveOptions: ParsableArguments {
    @Argument(help: "The review id.")
    var reviewID: Int64
    @Option(name: .long, help: "A note.")
    var note: String?
    @Option(
        name: .customLong("expect-version"),
        help: "Refuse (conflict, exit 1) unless the review is still at this version (as `review list` showed it).")
    var expectVersion: Int?
    @OptionGroup var writeOptions: StoreWriteOptions

    /// Moves the review to `status` and prints its new line.
    func move(to status: ReviewStatus) async throws {
        try await StoreCLI.run {
            let r = try await writeOptions.withStore {
                try await $0.transitionReview(
                    id: reviewID, to: status, expectedVersion: expectVersion,
                    operator: writeOptions.operatorName, note: note, prices: nil)
            }
            try StoreCLI.write(ReviewOutput.line(r), to: nil)
        }
    }
}
