//! Roster's pages and outgoing email.
#![forbid(unsafe_code)]
