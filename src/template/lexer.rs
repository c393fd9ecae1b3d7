//! Splits template text into tokens, following Go's `text/template/parse`
//! lexer rule for rule (trim markers, comments, number shapes), because what
//! counts as a token decides what a template prints.

/// What a token is; its text is `source[start..end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Plain text outside actions, already trimmed by adjacent trim markers.
    Text,
    LeftDelim,
    RightDelim,
    /// A run of white space inside an action (it separates arguments).
    Space,
    /// `=`
    Assign,
    /// `:=`
    Declare,
    Pipe,
    LeftParen,
    RightParen,
    /// Any other printable ASCII character inside an action, such as `,`.
    Char,
    String,
    RawString,
    CharConstant,
    Number,
    Complex,
    Identifier,
    /// `.Name`
    Field,
    /// `$` or `$name`
    Variable,
    Dot,
    Bool,
    Nil,
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// A lexing error at a byte offset.
#[derive(Debug)]
pub struct LexError {
    pub pos: usize,
    pub message: String,
}

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
/// A trim marker is the dash plus the one white-space byte beside it.
const TRIM_MARKER_LEN: usize = 2;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// `-` followed by white space, right after `{{`.
fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1])
}

/// White space followed by `-`, right before `}}`.
fn has_right_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0]) && s[1] == b'-'
}

fn trailing_space_len(s: &[u8]) -> usize {
    s.iter().rev().take_while(|&&b| is_space(b)).count()
}

fn leading_space_len(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_space(b)).count()
}

/// Tokenizes the whole input. On error, the tokens before it are dropped:
/// the parser reports the error instead.
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        start: 0,
        paren_depth: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    start: usize,
    paren_depth: usize,
    tokens: Vec<Token>,
}

enum State {
    Text,
    LeftDelim,
    InsideAction,
    Done,
}

impl Lexer<'_> {
    fn run(&mut self) -> Result<(), LexError> {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim()?,
                State::InsideAction => self.lex_inside_action()?,
                State::Done => return Ok(()),
            };
        }
    }

    fn emit(&mut self, kind: Kind) {
        self.tokens.push(Token {
            kind,
            start: self.start,
            end: self.pos,
        });
        self.start = self.pos;
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn error(&self, message: String) -> LexError {
        LexError {
            pos: self.start,
            message,
        }
    }

    fn rest(&self) -> &[u8] {
        &self.bytes[self.pos.min(self.bytes.len())..]
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.rest().first() {
            Some(&b) if valid.as_bytes().contains(&b) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn lex_text(&mut self) -> State {
        if let Some(x) = self.src[self.pos..].find(LEFT_DELIM) {
            self.pos += x;
            let mut trim = 0;
            if has_left_trim_marker(&self.bytes[self.pos + LEFT_DELIM.len()..]) {
                trim = trailing_space_len(&self.bytes[self.start..self.pos]);
            }
            self.pos -= trim;
            if self.pos > self.start {
                self.emit(Kind::Text);
            }
            self.pos += trim;
            self.ignore();
            return State::LeftDelim;
        }
        self.pos = self.bytes.len();
        if self.pos > self.start {
            self.emit(Kind::Text);
        }
        self.emit(Kind::Eof);
        State::Done
    }

    /// Whether the input continues with `}}` or ` -}}`, and which.
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest)
            && rest[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM.as_bytes()), false)
    }

    fn lex_left_delim(&mut self) -> Result<State, LexError> {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if self.bytes[self.pos + after_marker..].starts_with(LEFT_COMMENT.as_bytes()) {
            self.pos += after_marker;
            self.ignore();
            return self.lex_comment();
        }
        self.emit(Kind::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        Ok(State::InsideAction)
    }

    fn lex_comment(&mut self) -> Result<State, LexError> {
        self.pos += LEFT_COMMENT.len();
        let Some(i) = self.src[self.pos..].find(RIGHT_COMMENT) else {
            return Err(self.error("unclosed comment".into()));
        };
        self.pos += i + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return Err(self.error("comment ends before closing delimiter".into()));
        }
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.pos += leading_space_len(self.rest());
        }
        self.ignore();
        Ok(State::Text)
    }

    fn lex_right_delim(&mut self) -> State {
        let trim = has_right_trim_marker(self.rest());
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        self.emit(Kind::RightDelim);
        if trim {
            self.pos += leading_space_len(self.rest());
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> Result<State, LexError> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Ok(self.lex_right_delim());
            }
            return Err(self.error("unclosed left paren".into()));
        }
        let Some(c) = self.next_char() else {
            return Err(self.error("unclosed action".into()));
        };
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                self.pos -= 1;
                return Ok(self.lex_space());
            }
            '=' => self.emit(Kind::Assign),
            ':' => {
                if self.next_char() != Some('=') {
                    return Err(self.error("expected :=".into()));
                }
                self.emit(Kind::Declare);
            }
            '|' => self.emit(Kind::Pipe),
            '"' => self.lex_quote()?,
            '`' => self.lex_raw_quote()?,
            '$' => self.lex_variable()?,
            '\'' => self.lex_char()?,
            '.' if !matches!(self.rest().first(), Some(b'0'..=b'9')) => {
                self.lex_field_or_variable(Kind::Field)?
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.pos -= 1;
                self.lex_number()?;
            }
            c if is_alphanumeric(c) => {
                self.pos -= c.len_utf8();
                self.lex_identifier()?;
            }
            '(' => {
                self.emit(Kind::LeftParen);
                self.paren_depth += 1;
            }
            ')' => {
                self.emit(Kind::RightParen);
                if self.paren_depth == 0 {
                    return Err(self.error("unexpected right paren U+0029 ')'".into()));
                }
                self.paren_depth -= 1;
            }
            c if c.is_ascii_graphic() || c == ' ' => self.emit(Kind::Char),
            c => {
                return Err(self.error(format!(
                    "unrecognized character in action: {}",
                    unicode_name(c)
                )));
            }
        }
        Ok(State::InsideAction)
    }

    fn lex_space(&mut self) -> State {
        let mut count = 0;
        while self.rest().first().is_some_and(|&b| is_space(b)) {
            self.pos += 1;
            count += 1;
        }
        // The last space may belong to a ` -}}` closing delimiter.
        let before = &self.bytes[self.pos - 1..];
        if has_right_trim_marker(before)
            && before[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            self.pos -= 1;
            if count == 1 {
                return self.lex_right_delim();
            }
        }
        self.emit(Kind::Space);
        State::InsideAction
    }

    fn lex_identifier(&mut self) -> Result<(), LexError> {
        while let Some(c) = self.peek_char() {
            if !is_alphanumeric(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.check_terminator()?;
        let kind = match &self.src[self.start..self.pos] {
            "block" => Kind::Block,
            "break" => Kind::Break,
            "continue" => Kind::Continue,
            "define" => Kind::Define,
            "else" => Kind::Else,
            "end" => Kind::End,
            "if" => Kind::If,
            "range" => Kind::Range,
            "nil" => Kind::Nil,
            "template" => Kind::Template,
            "with" => Kind::With,
            "true" | "false" => Kind::Bool,
            _ => Kind::Identifier,
        };
        self.emit(kind);
        Ok(())
    }

    fn lex_variable(&mut self) -> Result<(), LexError> {
        if self.at_terminator() {
            self.emit(Kind::Variable);
            return Ok(());
        }
        self.lex_field_or_variable(Kind::Variable)
    }

    fn lex_field_or_variable(&mut self, kind: Kind) -> Result<(), LexError> {
        if self.at_terminator() {
            self.emit(if kind == Kind::Variable {
                Kind::Variable
            } else {
                Kind::Dot
            });
            return Ok(());
        }
        while let Some(c) = self.peek_char() {
            if !is_alphanumeric(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.check_terminator()?;
        self.emit(kind);
        Ok(())
    }

    fn check_terminator(&self) -> Result<(), LexError> {
        if self.at_terminator() {
            return Ok(());
        }
        let c = self.peek_char().unwrap_or('\u{0}');
        Err(self.error(format!("bad character {}", unicode_name(c))))
    }

    /// Whether the next character may end a word.
    fn at_terminator(&self) -> bool {
        match self.peek_char() {
            None => true,
            Some(c) => {
                matches!(
                    c,
                    ' ' | '\t' | '\r' | '\n' | '.' | ',' | '|' | ':' | ')' | '(' | '}'
                )
            }
        }
    }

    fn lex_char(&mut self) -> Result<(), LexError> {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => {}
                    _ => return Err(self.error("unterminated character constant".into())),
                },
                None | Some('\n') => {
                    return Err(self.error("unterminated character constant".into()));
                }
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.emit(Kind::CharConstant);
        Ok(())
    }

    fn lex_quote(&mut self) -> Result<(), LexError> {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => {}
                    _ => return Err(self.error("unterminated quoted string".into())),
                },
                None | Some('\n') => return Err(self.error("unterminated quoted string".into())),
                Some('"') => break,
                Some(_) => {}
            }
        }
        self.emit(Kind::String);
        Ok(())
    }

    fn lex_raw_quote(&mut self) -> Result<(), LexError> {
        match self.src[self.pos..].find('`') {
            Some(i) => self.pos += i + 1,
            None => return Err(self.error("unterminated raw quoted string".into())),
        }
        self.emit(Kind::RawString);
        Ok(())
    }

    fn lex_number(&mut self) -> Result<(), LexError> {
        if !self.scan_number() {
            return Err(self.bad_number());
        }
        if matches!(self.rest().first(), Some(b'+' | b'-')) {
            // A complex constant such as 1+2i: no spaces, must end in 'i'.
            if !self.scan_number() || self.bytes[self.pos - 1] != b'i' {
                return Err(self.bad_number());
            }
            self.emit(Kind::Complex);
        } else {
            self.emit(Kind::Number);
        }
        Ok(())
    }

    fn bad_number(&self) -> LexError {
        let text = self.src.get(self.start..self.pos).unwrap_or_default();
        self.error(format!("bad number syntax: {text:?}"))
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if let Some(c) = self.peek_char()
            && is_alphanumeric(c)
        {
            self.pos += c.len_utf8();
            return false;
        }
        true
    }
}

/// Go's `%#U` form of a character, as its lexer errors print it.
fn unicode_name(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokenize(src)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, &src[t.start..t.end]))
            .collect()
    }

    #[test]
    fn trim_markers_need_white_space() {
        assert_eq!(
            kinds("a {{- 3 -}} b"),
            vec![
                (Kind::Text, "a"),
                (Kind::LeftDelim, "{{"),
                (Kind::Number, "3"),
                (Kind::RightDelim, "}}"),
                (Kind::Text, "b"),
                (Kind::Eof, ""),
            ]
        );
        assert_eq!(kinds("x {{-3}}")[2], (Kind::Number, "-3"));
    }

    #[test]
    fn comments_must_touch_delimiters() {
        assert_eq!(kinds("a{{/* c */}}b").len(), 3);
        assert!(tokenize("{{/* c */ x}}").is_err());
        assert!(tokenize("{{/* c ").is_err());
    }

    #[test]
    fn errors() {
        assert!(tokenize("{{ .Index ").is_err());
        assert!(tokenize("{{ \"abc }}").is_err());
        assert!(tokenize("{{ (1 }}").is_err());
        assert!(tokenize("{{ 1) }}").is_err());
        assert!(tokenize("{{ 3x }}").is_err());
        assert!(tokenize("{{ \u{7} }}").is_err());
    }
}
