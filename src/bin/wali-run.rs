fn main() {
    wali_run::cli_main(std::env::args_os().collect())
}
