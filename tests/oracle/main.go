// Command oracle renders kubevali template cases with Go's text/template and
// sprig, the way the original kubevali did, so the Rust engine can be
// compared against the real thing.
//
// Input: one JSON object a line on stdin with the fields of
// tests/data/templates.jsonl (common, index, env, template), and optionally
// env_b64 (values base64-encoded, for bytes that are not UTF-8). Output: one
// JSON object a line, {"out": "...", "out_b64": "...", "err": "..."}; err is
// empty on success. JSON cannot carry bytes that are not UTF-8, so out_b64
// holds the exact output and out a readable copy.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
)

type Case struct {
	Common   string            `json:"common"`
	Index    int               `json:"index"`
	Env      map[string]string `json:"env"`
	EnvB64   map[string]string `json:"env_b64"`
	Template string            `json:"template"`
}

type Result struct {
	Out    string `json:"out"`
	OutB64 string `json:"out_b64"`
	Err    string `json:"err"`
}

type Data struct {
	Index int
}

// includeDepth bounds recursive include: Go itself would recurse until the
// goroutine stack overflows, which kills the process (kubevali stops at 1000).
var includeDepth int

func includeFor(t **template.Template) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if includeDepth >= 1000 {
			return "", fmt.Errorf("include nested deeper than 1000 levels")
		}
		includeDepth++
		defer func() { includeDepth-- }()
		var buf strings.Builder
		err := (*t).ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

func render(c Case) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	os.Clearenv()
	for k, v := range c.Env {
		os.Setenv(k, v)
	}
	for k, v := range c.EnvB64 {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", fmt.Errorf("bad env_b64: %w", err)
		}
		os.Setenv(k, string(raw))
	}
	// The original: include closes over the base set (commonTemplate's
	// templates only), and every value is parsed into a new template named
	// "" of a clone, so an empty value keeps its own (empty) tree.
	var base *template.Template
	base = template.New("").Funcs(sprig.TxtFuncMap()).Funcs(template.FuncMap{"include": includeFor(&base)})
	if _, err := base.Parse(c.Common); err != nil {
		return "", fmt.Errorf("Unable to parse common template: %w", err)
	}
	clone, err := base.Clone()
	if err != nil {
		return "", err
	}
	t, err := clone.New("").Parse(c.Template)
	if err != nil {
		return "", fmt.Errorf("Unable to parse template: %w", err)
	}
	var buf strings.Builder
	if err := t.Execute(&buf, Data{Index: c.Index}); err != nil {
		return "", fmt.Errorf("Unable to render template: %w", err)
	}
	return buf.String(), nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var c Case
		var res Result
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			res.Err = "bad input: " + err.Error()
		} else if out, err := render(c); err != nil {
			res.Err = err.Error()
		} else {
			res.Out = out
			res.OutB64 = base64.StdEncoding.EncodeToString([]byte(out))
		}
		if err := enc.Encode(res); err != nil {
			os.Exit(1)
		}
	}
}
