package authstore

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// auth.json may have been written by a newer hermes. Fields this build does
// not know are kept in Extra and written back unchanged, so that an older
// hermes adding a key never strips what a newer one stored.

type (
	fileAlias     File
	providerAlias Provider
	entryAlias    Entry
)

func (f *File) UnmarshalJSON(data []byte) error {
	return unmarshalKeeping(data, (*fileAlias)(f), &f.Extra)
}

func (f File) MarshalJSON() ([]byte, error) {
	return marshalKeeping(fileAlias(f), f.Extra)
}

func (p *Provider) UnmarshalJSON(data []byte) error {
	return unmarshalKeeping(data, (*providerAlias)(p), &p.Extra)
}

func (p Provider) MarshalJSON() ([]byte, error) {
	return marshalKeeping(providerAlias(p), p.Extra)
}

func (e *Entry) UnmarshalJSON(data []byte) error {
	return unmarshalKeeping(data, (*entryAlias)(e), &e.Extra)
}

func (e Entry) MarshalJSON() ([]byte, error) {
	return marshalKeeping(entryAlias(e), e.Extra)
}

// unmarshalKeeping decodes data into v (a pointer to a struct) and stores
// every key v has no field for into *extra.
func unmarshalKeeping(data []byte, v any, extra *map[string]json.RawMessage) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	known := jsonKeys(reflect.TypeOf(v).Elem())
	*extra = nil
	for k, raw := range all {
		if known[k] {
			continue
		}
		if *extra == nil {
			*extra = map[string]json.RawMessage{}
		}
		(*extra)[k] = raw
	}
	return nil
}

// marshalKeeping encodes v and appends the extra keys (sorted) that v does
// not itself produce, so known fields keep their declared order.
func marshalKeeping(v any, extra map[string]json.RawMessage) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return data, err
	}
	known := jsonKeys(reflect.TypeOf(v))
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.Write(data[:len(data)-1]) // drop the closing brace
	for _, k := range keys {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(k)
		b.Write(name)
		b.WriteByte(':')
		b.Write(extra[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// jsonKeys lists the JSON object keys a struct type encodes.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		keys[name] = true
	}
	return keys
}
