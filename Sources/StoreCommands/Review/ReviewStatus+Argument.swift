import ArgumentParser
import MarginCore

/// `--status open` and `--outcome dismissed` parse straight into the review domain.
extension ReviewStatus: ExpressibleByArgument {}
extension ReviewOutcome: ExpressibleByArgument {}
