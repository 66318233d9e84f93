/// Named states for ``GoldenScreenTests``, one extension per area of the screen.
enum GoldenStates {}
