use std::process::ExitCode;

// Many threads (HTTP workers, one per SQLite connection) allocate and free each other's
// memory; mimalloc keeps that from fragmenting the heap the way the system allocator does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    roster::cli::main()
}
