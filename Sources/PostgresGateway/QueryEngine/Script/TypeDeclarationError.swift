/// Why a script's type name names no type (see ``TypeDeclaration/read(_:)``).
enum TypeDeclarationError: Error, Equatable {
    /// Not a type name, or one of a type pgw does not know.
    case unknown
    /// Modifiers PostgreSQL refuses for the type (named), or that pgw does not compute.
    case invalidModifiers(String)
}
