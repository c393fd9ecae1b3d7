//! The one door to libyaml: a safe, event-at-a-time YAML parser.
//!
//! serde_yaml parses with `unsafe-libyaml` but keeps the events to itself,
//! and the events are the only place where a value's position, the text a
//! scalar was written with, an anchor's name and an alias's name exist. So
//! the loader reads the same crate's event API directly (it is already part
//! of the build through serde_yaml) and every `unsafe` call it needs lives
//! here, each one argued.

use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

/// Where an event starts: a byte offset and a 0-based line and column (the
/// column counts characters, the offset counts bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl Mark {
    fn from_sys(mark: unsafe_libyaml::yaml_mark_t) -> Mark {
        Mark {
            offset: usize::try_from(mark.index).unwrap_or(usize::MAX),
            line: usize::try_from(mark.line).unwrap_or(usize::MAX),
            column: usize::try_from(mark.column).unwrap_or(usize::MAX),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias {
        name: String,
    },
    Scalar {
        anchor: Option<String>,
        tag: Option<String>,
        value: Vec<u8>,
        style: Style,
    },
    SequenceStart {
        anchor: Option<String>,
        tag: Option<String>,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<String>,
        tag: Option<String>,
    },
    MappingEnd,
}

/// What libyaml reports when the text is not YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub problem: String,
    /// Where the problem is; `None` when libyaml gives only a byte offset
    /// (its reader errors), which `offset` then holds.
    pub mark: Option<Mark>,
    pub offset: usize,
    pub context: Option<(String, Mark)>,
}

/// A libyaml parser over borrowed text.
pub struct Parser<'input> {
    // Boxed: libyaml keeps pointers into its own struct, so it must not move.
    raw: Box<unsafe_libyaml::yaml_parser_t>,
    failed: bool,
    _input: PhantomData<&'input [u8]>,
}

impl<'input> Parser<'input> {
    pub fn new(input: &'input str) -> Parser<'input> {
        let mut raw: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>> = Box::new_uninit();
        // SAFETY: `yaml_parser_initialize` zeroes the whole struct before it
        // sets it up, so the uninitialised memory is never read. It fails
        // only when an allocation fails, and Rust's allocator aborts on that
        // instead of returning.
        let mut raw = unsafe {
            let ok = unsafe_libyaml::yaml_parser_initialize(raw.as_mut_ptr()).ok;
            assert!(ok, "libyaml could not allocate its parser");
            raw.assume_init()
        };
        // SAFETY: the parser is initialised; the input pointer and length
        // describe `input`, which the `'input` lifetime keeps alive and
        // unchanged for as long as this parser exists.
        unsafe {
            unsafe_libyaml::yaml_parser_set_encoding(&mut *raw, unsafe_libyaml::YAML_UTF8_ENCODING);
            unsafe_libyaml::yaml_parser_set_input_string(
                &mut *raw,
                input.as_ptr(),
                input.len() as u64,
            );
        }
        Parser {
            raw,
            failed: false,
            _input: PhantomData,
        }
    }

    /// The next event and where it starts.
    pub fn next_event(&mut self) -> Result<(Event, Mark), SyntaxError> {
        if self.failed {
            return Err(self.error());
        }
        let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised and its input alive (see `new`);
        // `yaml_parser_parse` writes a complete event when it succeeds.
        let ok =
            unsafe { unsafe_libyaml::yaml_parser_parse(&mut *self.raw, event.as_mut_ptr()).ok };
        if !ok {
            self.failed = true;
            return Err(self.error());
        }
        // SAFETY: parsing succeeded, so the event is initialised; it is
        // converted into owned data and then freed exactly once.
        unsafe {
            let event = event.as_mut_ptr();
            let converted = convert(&*event);
            let mark = Mark::from_sys((*event).start_mark);
            unsafe_libyaml::yaml_event_delete(event);
            Ok((converted, mark))
        }
    }

    fn error(&self) -> SyntaxError {
        let raw = &*self.raw;
        // SAFETY: libyaml's problem and context are null or point at static
        // NUL-terminated strings.
        let problem = unsafe { c_text(raw.problem) }
            .unwrap_or_else(|| "the YAML parser failed without saying why".to_owned());
        // SAFETY: as above.
        let context = unsafe { c_text(raw.context) }
            .map(|context| (context, Mark::from_sys(raw.context_mark)));
        let reader_error = raw.error == unsafe_libyaml::YAML_READER_ERROR;
        SyntaxError {
            problem,
            mark: (!reader_error).then(|| Mark::from_sys(raw.problem_mark)),
            offset: usize::try_from(raw.problem_offset).unwrap_or(usize::MAX),
            context,
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: the parser was initialised in `new` and is freed only here.
        unsafe { unsafe_libyaml::yaml_parser_delete(&mut *self.raw) }
    }
}

/// # Safety
/// `text` is null or points at a NUL-terminated string.
unsafe fn c_text(text: *const std::ffi::c_char) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated, as the caller promises.
    Some(
        unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// # Safety
/// `event` was filled in by a successful `yaml_parser_parse`.
unsafe fn convert(event: &unsafe_libyaml::yaml_event_t) -> Event {
    // SAFETY: for every union read below, the union member read is the one
    // that `type_` says libyaml filled in, and its pointers are null or point
    // at NUL-terminated strings (anchors, tags) or at `length` bytes (values).
    unsafe {
        match event.type_ {
            unsafe_libyaml::YAML_STREAM_START_EVENT => Event::StreamStart,
            unsafe_libyaml::YAML_STREAM_END_EVENT => Event::StreamEnd,
            unsafe_libyaml::YAML_DOCUMENT_START_EVENT => Event::DocumentStart,
            unsafe_libyaml::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
            unsafe_libyaml::YAML_ALIAS_EVENT => Event::Alias {
                name: c_text(event.data.alias.anchor.cast()).unwrap_or_default(),
            },
            unsafe_libyaml::YAML_SCALAR_EVENT => {
                let scalar = event.data.scalar;
                let value = if scalar.value.is_null() {
                    Vec::new()
                } else {
                    let length = usize::try_from(scalar.length).unwrap_or(0);
                    std::slice::from_raw_parts(scalar.value, length).to_vec()
                };
                Event::Scalar {
                    anchor: c_text(scalar.anchor.cast()),
                    tag: c_text(scalar.tag.cast()),
                    value,
                    style: match scalar.style {
                        unsafe_libyaml::YAML_PLAIN_SCALAR_STYLE => Style::Plain,
                        unsafe_libyaml::YAML_LITERAL_SCALAR_STYLE
                        | unsafe_libyaml::YAML_FOLDED_SCALAR_STYLE => Style::Block,
                        _ => Style::Quoted,
                    },
                }
            }
            unsafe_libyaml::YAML_SEQUENCE_START_EVENT => Event::SequenceStart {
                anchor: c_text(event.data.sequence_start.anchor.cast()),
                tag: c_text(event.data.sequence_start.tag.cast()),
            },
            unsafe_libyaml::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
            unsafe_libyaml::YAML_MAPPING_START_EVENT => Event::MappingStart {
                anchor: c_text(event.data.mapping_start.anchor.cast()),
                tag: c_text(event.data.mapping_start.tag.cast()),
            },
            unsafe_libyaml::YAML_MAPPING_END_EVENT => Event::MappingEnd,
            // libyaml never returns "no event" from a successful parse; end
            // the stream rather than trust an unknown value.
            _ => Event::StreamEnd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Event> {
        let mut parser = Parser::new(text);
        let mut out = Vec::new();
        loop {
            let (event, _) = parser.next_event().unwrap();
            let end = event == Event::StreamEnd;
            out.push(event);
            if end {
                return out;
            }
        }
    }

    #[test]
    fn scalars_keep_their_text_and_style() {
        let all = events("a: &x 0x10\nb: *x\nc: 'q'\n");
        assert!(all.contains(&Event::Scalar {
            anchor: Some("x".into()),
            tag: None,
            value: b"0x10".to_vec(),
            style: Style::Plain
        }));
        assert!(all.contains(&Event::Alias { name: "x".into() }));
        assert!(all.contains(&Event::Scalar {
            anchor: None,
            tag: None,
            value: b"q".to_vec(),
            style: Style::Quoted
        }));
    }

    #[test]
    fn marks_count_bytes_and_characters() {
        let mut parser = Parser::new("[\"ééééé\", 0x10]");
        let mut marks = Vec::new();
        while let Ok((event, mark)) = parser.next_event() {
            if let Event::Scalar { value, .. } = &event {
                marks.push((value.clone(), mark));
            }
            if event == Event::StreamEnd {
                break;
            }
        }
        let (value, mark) = &marks[1];
        assert_eq!(value, b"0x10");
        assert_eq!((mark.offset, mark.column), (15, 10));
    }

    #[test]
    fn errors_carry_a_position() {
        let mut parser = Parser::new("a: [x\nb: c\n");
        let error = loop {
            match parser.next_event() {
                Ok((Event::StreamEnd, _)) => panic!("should fail"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert!(error.mark.is_some());
        // A second call repeats the error instead of touching a failed parser.
        assert_eq!(parser.next_event().unwrap_err(), error);
    }
}
