//! The `layerlens` binary: parse arguments, run, map the outcome to an exit code
//! (0 pass, 1 a CI rule failed, 2 an error).

fn main() {
    let args = match layerlens::cli::parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() {
                layerlens::cli::EXIT_ERROR
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match layerlens::cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            // One line, and nothing from the image reaches the terminal raw: a member name
            // or a field quoted in the message has its control characters escaped.
            let message = e.to_string();
            eprintln!(
                "layerlens: error: {}",
                layerlens::index::path::escape(message.as_bytes())
            );
            layerlens::cli::EXIT_ERROR
        }
    };
    std::process::exit(code);
}
