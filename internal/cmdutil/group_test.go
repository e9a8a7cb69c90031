package cmdutil

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestArgsAsFlagErrors(t *testing.T) {
	t.Parallel()
	newTree := func() *cobra.Command {
		root := &cobra.Command{Use: "hermes", SilenceErrors: true, SilenceUsage: true}
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.AddCommand(&cobra.Command{Use: "version", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return nil }})
		root.AddCommand(&cobra.Command{Use: "token", Args: cobra.ExactArgs(1), RunE: func(*cobra.Command, []string) error { return errors.New("ran") }})
		ArgsAsFlagErrors(root)
		return root
	}
	for _, tc := range []struct {
		args      []string
		usage     bool
		substring string
	}{
		{[]string{"versoin"}, true, "Did you mean this?\n\tversion"},
		{[]string{"version", "extra"}, true, `unknown command "extra"`},
		{[]string{"token"}, true, "accepts 1 arg(s)"},
		{[]string{"token", "a"}, false, "ran"},
		{[]string{}, false, ""},
	} {
		root := newTree()
		root.SetArgs(tc.args)
		err := root.Execute()
		var fe *FlagError
		if errors.As(err, &fe) != tc.usage {
			t.Errorf("%q: err = %#v, want FlagError %v", tc.args, err, tc.usage)
		}
		if tc.substring == "" && err != nil || tc.substring != "" && (err == nil || !strings.Contains(err.Error(), tc.substring)) {
			t.Errorf("%q: err = %v, want it to contain %q", tc.args, err, tc.substring)
		}
	}
}
