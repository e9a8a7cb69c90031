package cron

import (
	"fmt"
	"strings"
	"time"

	robfig "github.com/robfig/cron/v3"
)

// MinInterval is the shortest @every interval accepted: an agent run takes
// seconds to minutes, so anything tighter would only produce skipped runs.
const MinInterval = time.Minute

// scheduleHelp is appended to every schedule error: it says what is accepted.
const scheduleHelp = `use 5 fields "MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK" (e.g. "0 9 * * 1-5"), ` +
	`a descriptor (@yearly, @monthly, @weekly, @daily, @hourly), or "@every DURATION" (e.g. "@every 10m"), ` +
	`optionally prefixed by "CRON_TZ=Area/City "`

var parser = robfig.NewParser(robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)

// Schedule says when a job is due. Next returns the first time strictly
// after t (the zero time if there is none).
type Schedule interface {
	Next(t time.Time) time.Time
}

// ScheduleError is an invalid schedule, with the reason.
type ScheduleError struct {
	Spec   string
	Reason string
}

func (e *ScheduleError) Error() string {
	return fmt.Sprintf("invalid schedule %q: %s; %s", e.Spec, e.Reason, scheduleHelp)
}

// ParseSchedule parses standard 5-field cron, @descriptors, @every and an
// optional CRON_TZ= (or TZ=) prefix. now is used to reject schedules that
// never fire (such as February 30).
func ParseSchedule(spec string, now time.Time) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, &ScheduleError{Spec: spec, Reason: "empty"}
	}
	// robfig slices up to the first space after a TZ prefix and panics
	// when there is none.
	if (strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=")) && !strings.Contains(spec, " ") {
		return nil, &ScheduleError{Spec: spec, Reason: "a time zone prefix must be followed by a schedule"}
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, &ScheduleError{Spec: spec, Reason: err.Error()}
	}
	if every, ok := s.(robfig.ConstantDelaySchedule); ok && every.Delay < MinInterval {
		// robfig rounds what it was given up to 1s: name what the user wrote.
		given := strings.TrimSpace(spec[strings.Index(spec, "@every")+len("@every"):])
		if d, err := time.ParseDuration(given); err == nil && d <= 0 {
			return nil, &ScheduleError{Spec: spec, Reason: fmt.Sprintf("@every interval %s is not positive", given)}
		}
		return nil, &ScheduleError{Spec: spec, Reason: fmt.Sprintf("@every interval %s is shorter than %s", given, MinInterval)}
	}
	if s.Next(now).IsZero() {
		return nil, &ScheduleError{Spec: spec, Reason: "it never fires (no such date)"}
	}
	return s, nil
}
