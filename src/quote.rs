//! Quoting a node command line for people and for shells. Words are bytes:
//! a template may render any byte but NUL (which the renderer refuses).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use crate::template::strconv;

/// Quotes `word` for a POSIX shell so that the shell reads it back as exactly
/// these bytes: bare when that is unambiguous, otherwise in single quotes,
/// inside which every byte but `'` itself stands for itself (no `$'…'`,
/// which POSIX `sh` lacks).
pub fn shell_word(word: &[u8]) -> Vec<u8> {
    let is_plain = |b: u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b);
    if !word.is_empty() && word.iter().all(|&b| is_plain(b)) {
        return word.to_vec();
    }
    let mut quoted = Vec::with_capacity(word.len() + 2);
    quoted.push(b'\'');
    for &b in word {
        if b == b'\'' {
            quoted.extend_from_slice(br"'\''");
        } else {
            quoted.push(b);
        }
    }
    quoted.push(b'\'');
    quoted
}

/// The whole command as one line of shell words (no newline). Bytes, not
/// text: a word that is not UTF-8 is passed on as it is.
pub fn shell_line(argv: &[OsString]) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, word) in argv.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        line.extend_from_slice(&shell_word(word.as_bytes()));
    }
    line
}

/// One word as Go's `%q` prints it: printable Unicode as is, everything
/// else escaped (a byte that is not UTF-8 as `\xff`), so the result is
/// always one line of valid UTF-8.
pub fn go_quoted(word: &[u8]) -> String {
    String::from_utf8_lossy(&strconv::quote(word)).into_owned()
}

/// The argv as the original logged it: each word `%q`-quoted, space
/// separated (`"darwinia" "--port" "30333"`).
pub fn go_quoted_line(argv: &[OsString]) -> String {
    argv.iter()
        .map(|word| go_quoted(word.as_bytes()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(word: &str) -> String {
        String::from_utf8(shell_word(word.as_bytes())).unwrap()
    }

    #[test]
    fn leaves_plain_words_bare() {
        assert_eq!(shell("--port"), "--port");
        assert_eq!(shell("/ip4/1.2.3.4/tcp/30333"), "/ip4/1.2.3.4/tcp/30333");
        assert_eq!(shell("a=b,c:d@e%f+g"), "a=b,c:d@e%f+g");
    }

    #[test]
    fn quotes_everything_else() {
        assert_eq!(shell(""), "''");
        assert_eq!(
            shell("[KUBE-VALI] Development 02"),
            "'[KUBE-VALI] Development 02'"
        );
        assert_eq!(shell("it's"), r"'it'\''s'");
        assert_eq!(shell("$HOME `x` \\ \"q\""), "'$HOME `x` \\ \"q\"'");
        assert_eq!(shell("a\nb"), "'a\nb'");
        assert_eq!(shell("~user"), "'~user'");
        assert_eq!(shell("*"), "'*'");
        assert_eq!(shell_word(b"\xff"), b"'\xff'");
    }

    #[test]
    fn joins_words_with_spaces() {
        let argv: Vec<OsString> = ["darwinia", "--name", "a b"].map(OsString::from).into();
        assert_eq!(shell_line(&argv), b"darwinia --name 'a b'");
    }

    #[test]
    fn go_quoting_escapes_bytes() {
        use std::os::unix::ffi::OsStringExt;
        let argv = vec![
            OsString::from("darwinia"),
            OsString::from_vec(b"pre-\xff-post".to_vec()),
            OsString::from("é\t"),
        ];
        assert_eq!(go_quoted_line(&argv), r#""darwinia" "pre-\xff-post" "é\t""#);
    }
}
