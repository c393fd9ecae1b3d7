//! Runtime values of the template engine.
//!
//! Go's `text/template` works on `reflect.Value`s; we only ever see the handful
//! of dynamic types that kubevali's data and functions produce. The Go type is
//! kept alongside each value because Go prints it in places users can see:
//! `%!d(string=02)`, `%!(EXTRA int=2)`, `[]interface {}` and so on.

use std::rc::Rc;

/// The Go type of a list's elements, which decides how the list prints in
/// `printf` error forms and how it compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    /// `[]interface {}` (sprig `list`, `rest`, `initial` of such a list).
    Any,
    /// `[]string` (sprig `splitList`).
    String,
    /// `[]int` (sprig `until`).
    Int,
}

#[derive(Clone, Debug)]
pub enum Value {
    /// Go's untyped nil, also a missing value. The template prints it as
    /// `<no value>`, `fmt` as `<nil>`.
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `int64` (what sprig's arithmetic returns).
    Int64(i64),
    /// Go `uint8`: what `index` gives for a string's byte.
    Uint8(u8),
    /// Go `float64`.
    Float(f64),
    /// Go `string`: bytes, not necessarily UTF-8.
    Str(Rc<[u8]>),
    List(ElemType, Rc<[Value]>),
    /// The template's data, Go `main.Data{Index int}`; `.` at the top level
    /// and `$`. Prints as `{3}`.
    Data(i64),
}

impl Value {
    pub fn str(s: impl AsRef<[u8]>) -> Value {
        Value::Str(Rc::from(s.as_ref()))
    }

    /// The name Go's `%T` and `fmt`'s error forms use.
    pub fn go_type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Uint8(_) => "uint8",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(ElemType::Any, _) => "[]interface {}",
            Value::List(ElemType::String, _) => "[]string",
            Value::List(ElemType::Int, _) => "[]int",
            Value::Data(_) => "main.Data",
        }
    }

    /// Go's template truthiness: the zero value of its type is false.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(n) | Value::Int64(n) => *n != 0,
            Value::Uint8(n) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(_, items) => !items.is_empty(),
            // A struct is always true in Go templates.
            Value::Data(_) => true,
        }
    }
}
