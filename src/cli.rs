//! The command line. Parsing is pure: the caller hands in the arguments and
//! the `KUBEVALI_CONFIG` value, so every case is unit-testable.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

pub const USAGE: &str = "\
kubevali: run a chain node with a command line rendered from kubevali.yaml

Usage: kubevali [OPTIONS]

Options:
  -c, --config PATH     Config file (default: $KUBEVALI_CONFIG, else kubevali.yaml)
      --dry-run         Log and print the rendered node command, start nothing
      --index N         Use N as .Index instead of rendering nodeTemplate.index
      --replicas N      With --dry-run: render replicas 0 to N-1, one line each
      --output FORMAT   With --dry-run: text (shell lines, the default) or json
  -w, --watch-config    Restart the node when the rendered config changes
      --install PATH    Copy this executable to PATH (a file, or a directory
                        to hold `kubevali`), then exit
  -h, --help            Show this help
  -V, --version         Show the version

Environment:
  KUBEVALI_CONFIG       Config file when --config is not given
  KUBEVALI_LOG          Log filter (env_logger syntax), overrides logging.level
  HOSTNAME              The pod name; its -<ordinal> suffix becomes .Index
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(RunOptions),
    Install(PathBuf),
    Help,
    Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    pub config: PathBuf,
    pub dry_run: bool,
    pub watch_config: bool,
    pub review: ReviewOptions,
}

// ---- review options (--index, --replicas, --output); see review.rs ----

/// The most replicas one `--replicas` renders. StatefulSets are far
/// smaller; every rendered command is held until the output is written,
/// so this also bounds the memory a review takes (about 20 MB).
pub const MAX_REPLICAS: u32 = 10_000;

/// Which replicas to render and how to print them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewOptions {
    /// `--index N`: `.Index` without rendering `nodeTemplate.index`.
    pub index: Option<i64>,
    /// `--replicas N`: render 0..N (dry run only).
    pub replicas: Option<u32>,
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// The command as POSIX shell words, one line per replica.
    #[default]
    Text,
    /// One JSON document for all replicas.
    Json,
}

fn count_value(parser: &mut lexopt::Parser, option: &str, max: i64) -> Result<i64, CliError> {
    let value = parser.value()?;
    let text = value.to_string_lossy();
    let invalid = |reason: &str| CliError::InvalidValue {
        option: option.to_owned(),
        value: text.clone().into_owned(),
        reason: reason.to_owned(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("expected a non-negative whole number"));
    }
    match text.parse::<i64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(invalid(&format!("at most {max}"))),
    }
}

fn output_value(parser: &mut lexopt::Parser) -> Result<OutputFormat, CliError> {
    let value = parser.value()?;
    match value.to_str() {
        Some("text") => Ok(OutputFormat::Text),
        Some("json") => Ok(OutputFormat::Json),
        _ => Err(CliError::InvalidValue {
            option: "--output".into(),
            value: value.to_string_lossy().into_owned(),
            reason: "expected text or json".into(),
        }),
    }
}

/// The combinations that make no sense, as usage errors.
fn check_review(review: &ReviewOptions, output_given: bool, dry_run: bool) -> Result<(), CliError> {
    if review.replicas.is_some() && !dry_run {
        return Err(CliError::Conflict(
            "--replicas only works with --dry-run (one kubevali runs one node)".into(),
        ));
    }
    if review.replicas.is_some() && review.index.is_some() {
        return Err(CliError::Conflict(
            "--replicas and --index exclude each other (--replicas renders every index)".into(),
        ));
    }
    if review.replicas == Some(0) {
        return Err(CliError::InvalidValue {
            option: "--replicas".into(),
            value: "0".into(),
            reason: "at least 1".into(),
        });
    }
    if output_given && !dry_run {
        return Err(CliError::Conflict(
            "--output only works with --dry-run".into(),
        ));
    }
    Ok(())
}

// ---- end of review options ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    UnknownOption(String),
    MissingValue(String),
    UnexpectedValue(String),
    UnexpectedArgument(String),
    InvalidValue {
        option: String,
        value: String,
        reason: String,
    },
    /// Options that cannot go together.
    Conflict(String),
    /// `--install` does one thing; other options with it would be ignored.
    NotWithInstall(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::UnknownOption(option) => write!(f, "unknown option '{option}'")?,
            CliError::MissingValue(option) => write!(f, "option '{option}' needs a value")?,
            CliError::UnexpectedValue(option) => write!(f, "option '{option}' takes no value")?,
            CliError::UnexpectedArgument(arg) => write!(f, "unexpected argument '{arg}'")?,
            CliError::InvalidValue {
                option,
                value,
                reason,
            } => write!(f, "invalid value '{value}' for '{option}': {reason}")?,
            CliError::Conflict(message) => f.write_str(message)?,
            CliError::NotWithInstall(option) => {
                write!(f, "option '{option}' cannot be used with '--install'")?
            }
        }
        f.write_str("; try 'kubevali --help'")
    }
}

impl std::error::Error for CliError {}

impl From<lexopt::Error> for CliError {
    fn from(error: lexopt::Error) -> CliError {
        match error {
            lexopt::Error::MissingValue { option } => {
                CliError::MissingValue(option.unwrap_or_default())
            }
            lexopt::Error::UnexpectedOption(option) => CliError::UnknownOption(option),
            lexopt::Error::UnexpectedArgument(arg) => {
                CliError::UnexpectedArgument(arg.to_string_lossy().into_owned())
            }
            lexopt::Error::UnexpectedValue { option, .. } => CliError::UnexpectedValue(option),
            other => CliError::UnexpectedArgument(other.to_string()),
        }
    }
}

/// Parses the arguments after the program name.
pub fn parse(
    args: impl IntoIterator<Item = OsString>,
    config_from_env: Option<OsString>,
) -> Result<Command, CliError> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    let mut config = None;
    let mut install = None;
    let mut dry_run = false;
    let mut watch_config = false;
    let mut review = ReviewOptions::default();
    let mut output_given = false;
    // The first run option given, to name it if --install comes too.
    let mut run_option = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('c') | Long("config") => {
                config = Some(path_value(&mut parser, "--config")?);
                run_option.get_or_insert("--config");
            }
            Long("dry-run") => {
                dry_run = true;
                run_option.get_or_insert("--dry-run");
            }
            Short('w') | Long("watch-config") => {
                watch_config = true;
                run_option.get_or_insert("--watch-config");
            }
            Long("install") => install = Some(path_value(&mut parser, "--install")?),
            Long("index") => {
                review.index = Some(count_value(&mut parser, "--index", i64::MAX)?);
                run_option.get_or_insert("--index");
            }
            Long("replicas") => {
                let max = i64::from(MAX_REPLICAS);
                let count = count_value(&mut parser, "--replicas", max)?;
                review.replicas = u32::try_from(count).ok();
                run_option.get_or_insert("--replicas");
            }
            Long("output") => {
                review.output = output_value(&mut parser)?;
                output_given = true;
                run_option.get_or_insert("--output");
            }
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            _ => return Err(arg.unexpected().into()),
        }
    }
    if let Some(path) = install {
        if let Some(option) = run_option {
            return Err(CliError::NotWithInstall(option.to_owned()));
        }
        return Ok(Command::Install(path));
    }
    check_review(&review, output_given, dry_run)?;
    let config = config
        .or_else(|| config_from_env.filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("kubevali.yaml"));
    Ok(Command::Run(RunOptions {
        config,
        dry_run,
        watch_config,
        review,
    }))
}

/// An empty path (`--config=`) is a mistake, never a request for the default.
fn path_value(parser: &mut lexopt::Parser, option: &str) -> Result<PathBuf, CliError> {
    let value = parser.value()?;
    if value.is_empty() {
        return Err(CliError::MissingValue(option.to_owned()));
    }
    Ok(PathBuf::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, CliError> {
        parse(args.iter().map(OsString::from), None)
    }

    fn run(config: &str, dry_run: bool, watch_config: bool) -> Command {
        Command::Run(RunOptions {
            config: PathBuf::from(config),
            dry_run,
            watch_config,
            review: ReviewOptions::default(),
        })
    }

    #[test]
    fn defaults() {
        assert_eq!(parse_args(&[]), Ok(run("kubevali.yaml", false, false)));
    }

    #[test]
    fn config_spellings() {
        for args in [
            &["-c", "a.yaml"][..],
            &["-ca.yaml"],
            &["--config", "a.yaml"],
            &["--config=a.yaml"],
        ] {
            assert_eq!(
                parse_args(args),
                Ok(run("a.yaml", false, false)),
                "{args:?}"
            );
        }
    }

    #[test]
    fn env_config_is_the_fallback() {
        let from_env = Some(OsString::from("/config/k.yaml"));
        assert_eq!(
            parse(Vec::new(), from_env.clone()),
            Ok(run("/config/k.yaml", false, false))
        );
        let args = ["-c", "x.yaml"].map(OsString::from);
        assert_eq!(parse(args, from_env), Ok(run("x.yaml", false, false)));
    }

    #[test]
    fn switches() {
        assert_eq!(
            parse_args(&["--dry-run", "-w"]),
            Ok(run("kubevali.yaml", true, true))
        );
        assert_eq!(
            parse_args(&["--watch-config"]),
            Ok(run("kubevali.yaml", false, true))
        );
        assert_eq!(parse_args(&["-h"]), Ok(Command::Help));
        assert_eq!(parse_args(&["--version"]), Ok(Command::Version));
        assert_eq!(
            parse_args(&["--install", "/v"]),
            Ok(Command::Install("/v".into()))
        );
    }

    #[test]
    fn usage_errors_name_the_culprit() {
        let unknown = parse_args(&["--nope"]).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "unknown option '--nope'; try 'kubevali --help'"
        );
        assert!(matches!(parse_args(&["-c"]), Err(CliError::MissingValue(o)) if o == "-c"));
        assert!(matches!(
            parse_args(&["--config="]),
            Err(CliError::MissingValue(_))
        ));
        assert!(
            matches!(parse_args(&["stray"]), Err(CliError::UnexpectedArgument(a)) if a == "stray")
        );
        assert_eq!(
            parse_args(&["--install", "/v", "--dry-run"]),
            Err(CliError::NotWithInstall("--dry-run".into()))
        );
        assert_eq!(
            parse_args(&["-c", "x.yaml", "-w", "--install=/v"]),
            Err(CliError::NotWithInstall("--config".into()))
        );
        assert!(matches!(
            parse_args(&["--dry-run=yes"]),
            Err(CliError::UnexpectedValue(o)) if o == "--dry-run"
        ));
    }

    #[test]
    fn review_options() {
        let review = |args: &[&str]| match parse_args(args) {
            Ok(Command::Run(options)) => Ok(options.review),
            Ok(other) => panic!("{other:?}"),
            Err(error) => Err(error.to_string()),
        };
        assert_eq!(
            review(&["--index", "3"]),
            Ok(ReviewOptions {
                index: Some(3),
                ..ReviewOptions::default()
            })
        );
        assert_eq!(
            review(&["--dry-run", "--replicas=200", "--output", "json"]),
            Ok(ReviewOptions {
                replicas: Some(200),
                output: OutputFormat::Json,
                ..ReviewOptions::default()
            })
        );
        for (args, expected) in [
            (&["--index", "-1"][..], "invalid value '-1' for '--index'"),
            (&["--index", "x"], "non-negative whole number"),
            (&["--index="], "invalid value '' for '--index'"),
            (&["--index", "99999999999999999999"], "at most"),
            (&["--replicas", "3"], "only works with --dry-run"),
            (&["--dry-run", "--replicas", "0"], "at least 1"),
            (&["--dry-run", "--replicas", "10001"], "at most 10000"),
            (
                &["--dry-run", "--replicas", "2", "--index", "1"],
                "exclude each other",
            ),
            (&["--output", "json"], "--output only works with --dry-run"),
            (&["--dry-run", "--output", "yaml"], "expected text or json"),
        ] {
            let error = review(args).unwrap_err();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
