// Views, state and tests speak in cells, roles, keys and themes: whoever imports MarginTUI gets them.
@_exported import TerminalCore
