package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ltibox/ltibox/server/model"
	"github.com/ltibox/ltibox/sqlite"
)

// cmdOutbox lists queued scores or asks for failed ones to be sent again:
//
//	ltibox outbox list [--all]       waiting and failed scores with their LMS and course, when each was last tried and
//	                                 is next tried (or was delivered), times in RFC 3339 UTC (--all: delivered too)
//	ltibox outbox retry ID…|--failed queue scores again now, with a fresh backoff
//
// A running server picks retried scores up within its poll interval.
func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var all, failed bool
	_, db, tool, rest, err := openStore(ctx, args[1:], "outbox "+args[0], mustExist, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&all, "all", false, "list: include delivered scores")
		fs.BoolVar(&failed, "failed", false, "retry: every failed score")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	defer tool.Close()
	if args[0] == "retry" {
		f := sqlite.OutboxFilter{}
		for _, a := range rest {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("outbox retry: %q is not an outbox item number (see ltibox outbox list)", a)
			}
			f.IDs = append(f.IDs, id)
		}
		if len(f.IDs) == 0 && !failed {
			return fmt.Errorf("outbox retry: name the items to retry (ltibox outbox retry 3 4) or pass --failed")
		}
		n, err := db.RequeueOutbox(ctx, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Queued %s to be sent again.\n", model.Plural(n, "score"))
		return nil
	}
	if err := noArgs("outbox list", rest); err != nil {
		return err
	}
	f := sqlite.OutboxFilter{States: []string{model.DeliveryPending, model.DeliveryRetrying, model.DeliveryFailed}}
	if all {
		f.States = nil
	}
	items, err := db.OutboxItems(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tPLATFORM\tCOURSE\tUSER\tSCORE\tPROGRESS\tATTEMPTS\tLAST ATTEMPT (UTC)\tNEXT/DELIVERED (UTC)\tDETAIL")
	for _, it := range items {
		sc := it.Score
		score := "-"
		if sc.ScoreGiven != nil {
			score = strconv.FormatFloat(*sc.ScoreGiven, 'f', -1, 64) + "/" + strconv.FormatFloat(sc.ScoreMaximum, 'f', -1, 64)
		}
		when := ""
		if d := sc.Delivery; d.NextAttemptAt != nil {
			when = d.NextAttemptAt.UTC().Format(time.RFC3339)
		} else if d.DeliveredAt != nil {
			when = d.DeliveredAt.UTC().Format(time.RFC3339)
		}
		tried := "-" // never tried
		if t := sc.Delivery.LastAttemptAt; t != nil {
			tried = t.UTC().Format(time.RFC3339)
		}
		detail := strings.ReplaceAll(sc.Delivery.Error, "\n", " ")
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%d\t%s\t%s\t%s\n", it.ID, sc.Delivery.State, cell(it.PlatformName), cell(it.CourseTitle),
			cell(outboxUser(it.UserName, it.Subject)), score, sc.ActivityProgress, sc.GradingProgress, sc.Delivery.Attempts, tried, when, detail)
	}
	return tw.Flush()
}

// outboxUser names a learner as "Ada Lovelace (student)", or by the LTI
// subject alone when the LMS sent no name or the name is the subject
// ("learner-1", not "learner-1 (learner-1)").
func outboxUser(name, subject string) string {
	if name = strings.TrimSpace(name); name == "" || name == subject {
		return subject
	}
	return name + " (" + subject + ")"
}

// cell is a value for a tab-separated column: "-" when empty, tabs and line
// breaks as spaces (a platform or course name is free text).
func cell(s string) string {
	if s = strings.Join(strings.Fields(s), " "); s == "" {
		return "-"
	}
	return s
}
