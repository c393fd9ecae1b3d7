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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    UnknownOption(String),
    MissingValue(String),
    UnexpectedValue(String),
    UnexpectedArgument(String),
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
    let config = config
        .or_else(|| config_from_env.filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("kubevali.yaml"));
    Ok(Command::Run(RunOptions {
        config,
        dry_run,
        watch_config,
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
}
