//! elevate-sim: a stateful simulated Entra tenant speaking the documented Microsoft
//! contract (sign-in, Graph PIM, ARM PIM). The server lands with its own issue; this crate
//! holds its place in the workspace so the layout, CI and lints cover it from day one.
