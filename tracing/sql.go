package tracing

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// OpenSQL opens driverName's database like sql.Open, with one span per
// statement, transaction and connection set-up, as children of the span in
// the statement's context. system is the OTel db.system.name (mysql,
// sqlite). Statement text is recorded (it holds placeholders, never
// values: SQL lives in models/ with placeholders only).
//
// A statement whose context carries no span makes no span: without a
// parent it would be sampled as a trace of its own, one per query, noise
// that hides the request traces. (Beego ORM's RawWithCtx drops its
// context, so its statements take this path; see docs/operations.md.)
func OpenSQL(tp trace.TracerProvider, driverName, dsn, system string) (*sql.DB, error) {
	return otelsql.Open(driverName, dsn,
		otelsql.WithTracerProvider(tp),
		otelsql.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelsql.WithAttributes(attribute.String("db.system.name", system)),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			OmitConnResetSession: true,
			OmitRows:             true,
			DisableErrSkip:       true,
			SpanFilter:           hasParentSpan,
		}))
}

func hasParentSpan(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
	return trace.SpanContextFromContext(ctx).IsValid()
}
