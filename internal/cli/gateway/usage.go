package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/budget"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/fsutil"
	gw "github.com/hermes-agent/hermes/internal/gateway"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/secret"
)

// UsageOptions are the inputs of `hermes gateway usage`.
type UsageOptions struct {
	IO         *iostreams.IOStreams
	HermesHome func() (string, error)
	URL        string
	KeyFile    string
	JSON       bool
	Client     *http.Client
}

// usageReport is the admin endpoint's answer (docs/JSON.md).
type usageReport struct {
	Budgets []budget.Rule        `json:"budgets"`
	Store   string               `json:"store,omitempty"`
	Usage   []budget.ClientUsage `json:"usage"`
}

func newUsageCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &UsageOptions{IO: f.IO, HermesHome: f.HermesHome}
	cmd := &cobra.Command{
		Use:   "usage [--url URL] [--json]",
		Short: "Show each client's spend in the running gateway's budget windows",
		Long: `Show, from a running hermes gateway, every client's spend (tokens and USD at
list prices) in the current window of each budget that applies to it, with
the limit and when the window resets.

The gateway answers loopback callers; for a gateway elsewhere give its
https URL, and the gateway key (--key-file, default HERMES_HOME/gateway.key)
is sent. The key is never sent over plain http to another host.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return RunUsage(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "http://"+DefaultListen, "the gateway's base URL")
	cmd.Flags().StringVar(&opts.KeyFile, "key-file", "", "gateway key file, sent to an https gateway (default HERMES_HOME/gateway.key)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	return cmd
}

// RunUsage fetches and prints the usage report.
func RunUsage(ctx context.Context, opts *UsageOptions) error {
	base, err := url.Parse(strings.TrimRight(opts.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return cmdutil.FlagErrorf("--url %q: want http://HOST:PORT (loopback) or https://HOST", opts.URL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String()+gw.UsagePath, nil)
	if err != nil {
		return err
	}
	if base.Scheme == "https" && !loopbackHost(base.Hostname()) {
		key, err := usageKey(opts)
		if err != nil {
			return err
		}
		secret.Remember(key)
		req.Header.Set("X-Api-Key", key)
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no hermes gateway answered at %s: %v (start one with `hermes gateway`, or give its --url)", secret.URL(base.String()), secret.Redact(err.Error()))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		return fmt.Errorf("the gateway at %s answered %d: %s", secret.URL(base.String()), resp.StatusCode, secret.Redact(msg))
	}
	var rep usageReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return fmt.Errorf("the gateway at %s sent no usage report (%v): is it a hermes gateway?", secret.URL(base.String()), err)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, rep)
	}
	return printUsage(opts.IO.Out, rep)
}

func usageKey(opts *UsageOptions) (string, error) {
	path := opts.KeyFile
	if path == "" {
		home, err := opts.HermesHome()
		if err != nil {
			return "", err
		}
		path = home + "/" + gw.KeyFileName
	}
	data, err := fsutil.ReadPrivateFile(path, 4096)
	if err != nil {
		return "", fmt.Errorf("the gateway key, sent to a remote gateway: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func printUsage(w io.Writer, rep usageReport) error {
	if len(rep.Budgets) == 0 {
		_, err := fmt.Fprintln(w, "This gateway has no budgets (start it with --budgets FILE or --client-budget-usd AMOUNT/PERIOD).")
		return err
	}
	if len(rep.Usage) == 0 {
		_, err := fmt.Fprintf(w, "No spend yet in the current windows of %d budget(s).\n", len(rep.Budgets))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tPERIOD\tTOKENS\tUSD\tLIMIT\tRESETS\t")
	for _, u := range rep.Usage {
		limit := budget.Rule{Tokens: u.LimitTokens, USD: u.LimitUSD, Period: u.Period}.Describe()
		if u.Spent {
			limit += " (spent)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t$%s\t%s\t%s\t\n", u.Client, u.Period, u.Tokens, strconv.FormatFloat(u.USD, 'f', 4, 64), limit, u.ResetsAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}
