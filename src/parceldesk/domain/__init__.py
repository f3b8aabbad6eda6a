"""Pure business rules. Imports nothing but the standard library and itself."""
