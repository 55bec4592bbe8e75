//! Typed client errors. Placeholder: the client helper owns this file.
