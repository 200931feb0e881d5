//! Unit tests of the call machine.
