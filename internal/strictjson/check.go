package strictjson

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	numberType          = reflect.TypeFor[json.Number]()
)

func typeOf(v any) reflect.Type {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// check reports where v, a parsed JSON value, does not fit type t.
func check(errs *Errors, path string, v any, t reflect.Type) {
	if t == nil {
		return
	}
	if t == rawMessageType || t == numberType && isNumber(v) {
		return
	}
	if v == nil {
		// null decodes to the zero value of anything but is never what a
		// configuration author meant for a non-pointer value.
		if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && t.Kind() != reflect.Slice && t.Kind() != reflect.Map {
			errs.Addf(path, "must not be null")
		}
		return
	}
	if t.Kind() == reflect.Pointer {
		check(errs, path, v, t.Elem())
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		raw, _ := json.Marshal(v)
		u := reflect.New(t).Interface().(json.Unmarshaler)
		if err := u.UnmarshalJSON(raw); err != nil {
			errs.Addf(path, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		s, ok := v.(string)
		if !ok {
			errs.Addf(path, "must be a string")
			return
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			errs.Addf(path, "%v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Interface:
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			errs.Addf(path, "must be an object, not %s", kind(v))
			return
		}
		fields := fieldsOf(t)
		for _, k := range sortedKeys(m) {
			f, ok := fields[k]
			if !ok {
				errs.Addf(Member(path, k), "is not a property defined here")
				continue
			}
			check(errs, Member(path, k), m[k], f)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			errs.Addf(path, "must be an object, not %s", kind(v))
			return
		}
		if t.Key().Kind() != reflect.String {
			errs.Addf(path, "cannot be decoded (keys of kind %s)", t.Key().Kind())
			return
		}
		for _, k := range sortedKeys(m) {
			check(errs, Member(path, k), m[k], t.Elem())
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if _, err := base64.StdEncoding.DecodeString(s); !ok || err != nil {
				errs.Addf(path, "must be a base64 string")
			}
			return
		}
		l, ok := v.([]any)
		if !ok {
			errs.Addf(path, "must be a list, not %s", kind(v))
			return
		}
		if t.Kind() == reflect.Array && len(l) != t.Len() {
			errs.Addf(path, "must have %d elements, not %d", t.Len(), len(l))
			return
		}
		for i, x := range l {
			check(errs, Index(path, i), x, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			errs.Addf(path, "must be a string, not %s", kind(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			errs.Addf(path, "must be true or false, not %s", kind(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			errs.Addf(path, "must be an integer, not %s", kind(v))
			return
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			errs.Addf(path, "must be an integer that fits %d bits, not %s", t.Bits(), n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			errs.Addf(path, "must be a non-negative integer, not %s", kind(v))
			return
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			errs.Addf(path, "must be a non-negative integer that fits %d bits, not %s", t.Bits(), n)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			errs.Addf(path, "must be a number, not %s", kind(v))
			return
		}
		if f, err := strconv.ParseFloat(string(n), t.Bits()); err != nil || math.IsInf(f, 0) {
			errs.Addf(path, "must be a finite number, not %s", n)
		}
	default:
		errs.Addf(path, "cannot be decoded (Go kind %s)", t.Kind())
	}
}

func isNumber(v any) bool { _, ok := v.(json.Number); return ok }

// fieldsOf maps the JSON names of t's exported fields to their types,
// as encoding/json names them (tag name, else the field name).
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		out[name] = f.Type
	}
	return out
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "null"
}
