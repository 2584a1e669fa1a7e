package pdf

import "testing"

// TestLabelsComplete requires every label in both languages.
func TestLabelsComplete(t *testing.T) {
	for k := range labelsDE {
		if labelsEN[k] == "" {
			t.Errorf("label %q has no English text", k)
		}
	}
	for k := range labelsEN {
		if labelsDE[k] == "" {
			t.Errorf("label %q has no German text", k)
		}
	}
}
