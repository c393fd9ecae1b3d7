fn main() {
    std::process::exit(kubevali::app::main());
}
