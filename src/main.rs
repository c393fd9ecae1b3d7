fn main() {
    std::process::exit(kubevali::main());
}
