//! Wires the modules together; `main` only turns the outcome into an exit code.

pub fn main() -> i32 {
    0
}
