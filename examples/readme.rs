//! The repository README, whose code blocks run as this crate's doctests so
//! they cannot drift from the SDK.
#![doc = include_str!("../README.md")]
