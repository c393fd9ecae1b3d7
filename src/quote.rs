//! Quoting a node command line for people and for shells.

/// Quotes `word` for a POSIX shell so that the shell reads it back as exactly
/// these bytes: bare when that is unambiguous, otherwise in single quotes,
/// inside which only `'` itself needs care.
pub fn shell_word(word: &str) -> String {
    let is_plain = |b: u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b);
    if !word.is_empty() && word.bytes().all(is_plain) {
        return word.to_owned();
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('\'');
    for c in word.chars() {
        if c == '\'' {
            quoted.push_str(r"'\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

/// The whole command as one line of shell words.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|word| shell_word(word))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_plain_words_bare() {
        assert_eq!(shell_word("--port"), "--port");
        assert_eq!(
            shell_word("/ip4/1.2.3.4/tcp/30333"),
            "/ip4/1.2.3.4/tcp/30333"
        );
        assert_eq!(shell_word("a=b,c:d@e%f+g"), "a=b,c:d@e%f+g");
    }

    #[test]
    fn quotes_everything_else() {
        assert_eq!(shell_word(""), "''");
        assert_eq!(
            shell_word("[KUBE-VALI] Development 02"),
            "'[KUBE-VALI] Development 02'"
        );
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$HOME `x` \\ \"q\""), "'$HOME `x` \\ \"q\"'");
        assert_eq!(shell_word("a\nb"), "'a\nb'");
        assert_eq!(shell_word("~user"), "'~user'");
        assert_eq!(shell_word("*"), "'*'");
    }

    #[test]
    fn joins_words_with_spaces() {
        let argv = vec!["darwinia".to_owned(), "--name".to_owned(), "a b".to_owned()];
        assert_eq!(shell_line(&argv), "darwinia --name 'a b'");
    }
}
