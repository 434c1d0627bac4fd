//! Paired comparisons with common random numbers (see compare::compare).
