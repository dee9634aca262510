package memstore

import (
	"strings"
	"testing"
)

func TestFoldMatchesEqualFold(t *testing.T) {
	words := []string{
		"adele", "Adele", "ADELE", "adelé", "ADELÉ", "k", "K", "\u212a", // Kelvin sign
		"s", "S", "\u017f", // long s
		"σ", "ς", "Σ", "straße", "STRASSE", "ǅ", "ǆ", "Ǆ", "", "a\xffb", "a\xfeb", "ß", "ẞ",
	}
	for _, a := range words {
		for _, b := range words {
			if got, want := fold(a) == fold(b), strings.EqualFold(a, b); got != want {
				t.Errorf("fold(%q) == fold(%q) is %v, strings.EqualFold is %v", a, b, got, want)
			}
		}
	}
	if s := "already-canonical@contoso.example"; fold(s) != s {
		t.Errorf("fold(%q) = %q, want it unchanged", s, fold(s))
	}
}

func TestWindow(t *testing.T) {
	tests := []struct {
		name                string
		total, start, count int
		lo, hi              int
	}{
		{"first page", 10, 1, 3, 0, 3},
		{"start 0 is 1", 10, 0, 3, 0, 3},
		{"last partial", 10, 9, 5, 8, 10},
		{"beyond end", 10, 11, 5, 10, 10},
		{"count 0", 10, 1, 0, 0, 0},
		{"negative count", 10, 1, -1, 0, 0},
		{"empty", 0, 1, 10, 0, 0},
	}
	for _, tt := range tests {
		if lo, hi := window(tt.total, tt.start, tt.count); lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: window(%d, %d, %d) = %d, %d, want %d, %d", tt.name, tt.total, tt.start, tt.count, lo, hi, tt.lo, tt.hi)
		}
	}
}
