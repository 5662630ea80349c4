package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// RouterOptions tune retries and breakers; zero values take defaults.
type RouterOptions struct {
	// Attempts per endpoint before failing over (default 3).
	Attempts int
	// BaseBackoff and MaxBackoff bound the jittered exponential backoff.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxRetryAfter is the longest Retry-After honoured by waiting; longer
	// ones fail over at once.
	MaxRetryAfter time.Duration
	// BreakerFailures consecutive failures open an endpoint's breaker for
	// BreakerOpen, after which one trial request is let through.
	BreakerFailures uint32
	BreakerOpen     time.Duration
	// DefaultTimeout bounds connecting and the first token when an
	// endpoint sets none.
	DefaultTimeout time.Duration
	// DefaultMaxConcurrency bounds requests in flight to an endpoint that
	// sets no bound of its own (0: none).
	DefaultMaxConcurrency int
	// Sleep waits between attempts (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o *RouterOptions) defaults() {
	if o.Attempts == 0 {
		o.Attempts = 3
	}
	if o.BaseBackoff == 0 {
		o.BaseBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = 20 * time.Second
	}
	if o.BreakerFailures == 0 {
		o.BreakerFailures = 5
	}
	if o.BreakerOpen == 0 {
		o.BreakerOpen = 30 * time.Second
	}
	if o.DefaultTimeout == 0 {
		o.DefaultTimeout = 60 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Router sends requests to a model's endpoints in priority order. Before
// the first token it retries retryable failures with backoff and then
// fails over; an endpoint that keeps failing is skipped while its circuit
// breaker is open. After the first token nothing is retried: the caller
// sees the failure.
type Router struct {
	drivers map[string]Driver
	opts    RouterOptions

	mu       sync.Mutex
	breakers map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]
	slots    map[string]chan struct{}
}

// NewRouter returns a router over the standard drivers sharing client.
func NewRouter(client *http.Client, opts RouterOptions) *Router {
	opts.defaults()
	oa := OpenAI{HTTP: client}
	return &Router{
		drivers: map[string]Driver{"openai": oa, "vllm": oa, "mistral": oa, "berget": oa, "ollama": oa,
			"azure": Azure{HTTP: client}, "anthropic": Anthropic{HTTP: client}, "local": Local{}},
		opts: opts, breakers: map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]{}, slots: map[string]chan struct{}{},
	}
}

// BreakerState reports an endpoint's breaker ("closed", "open", "half-open").
func (r *Router) BreakerState(endpoint string) string { return r.breaker(endpoint).State().String() }

func (r *Router) breaker(name string) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.breakers[name]
	if !ok {
		failures := r.opts.BreakerFailures
		b = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
			Name: name, MaxRequests: 1, Timeout: r.opts.BreakerOpen,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
			// Only the endpoint's own troubles count against it.
			IsSuccessful: func(err error) bool {
				e, ok := AsError(err)
				return err == nil || (ok && !e.Retryable()) || errors.Is(err, context.Canceled)
			},
		})
		r.breakers[name] = b
	}
	return b
}

func (r *Router) slot(ep Endpoint) chan struct{} {
	limit := ep.MaxConcurrency
	if limit <= 0 {
		limit = r.opts.DefaultMaxConcurrency
	}
	if limit <= 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.slots[ep.Name]
	if !ok {
		s = make(chan struct{}, limit)
		r.slots[ep.Name] = s
	}
	return s
}

func ordered(eps []Endpoint) []Endpoint {
	out := slices.Clone(eps)
	slices.SortStableFunc(out, func(a, b Endpoint) int { return a.Priority - b.Priority })
	return out
}

// terminal reports failures that no retry or other endpoint will fix.
func terminal(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return errors.Is(err, context.Canceled)
	}
	switch e.Kind {
	case KindContextLength, KindContentFilter, KindBadRequest:
		return true
	}
	return false
}

// backoff returns how long to wait before attempt n (1-based) after err.
func (r *Router) backoff(n int, err error) (time.Duration, bool) {
	if e, ok := AsError(err); ok && e.RetryAfter > 0 {
		return e.RetryAfter, e.RetryAfter <= r.opts.MaxRetryAfter
	}
	ceil := min(r.opts.MaxBackoff, r.opts.BaseBackoff<<(n-1))
	return time.Duration(rand.Int64N(int64(ceil)) + 1), true
}

// Chat streams an answer from the first endpoint that produces a token.
func (r *Router) Chat(ctx context.Context, eps []Endpoint, req ChatRequest) (Stream, error) {
	if len(eps) == 0 {
		return nil, &Error{Kind: KindUnavailable, Msg: "the model has no endpoint"}
	}
	var last error
	for _, ep := range ordered(eps) {
		drv, ok := r.drivers[ep.Type]
		if !ok {
			last = &Error{Kind: KindBadRequest, Endpoint: ep.Name, Msg: "unknown provider type " + ep.Type}
			continue
		}
		req := req.at(ep)
		for n := 1; n <= r.opts.Attempts; n++ {
			s, err := r.attempt(ctx, drv, ep, req)
			if err == nil {
				return s, nil
			}
			last = err
			if ctx.Err() != nil || terminal(err) {
				return nil, err
			}
			if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
				break
			}
			e, _ := AsError(err)
			if e != nil && (e.Kind == KindAuth || e.Kind == KindQuota || e.Kind == KindRefused) {
				break // this endpoint's key or address will not get better; try the next
			}
			if n == r.opts.Attempts {
				break
			}
			wait, ok := r.backoff(n, err)
			if !ok {
				break
			}
			if err := r.opts.Sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("every endpoint failed: %w", last)
}

// at is the request as sent to ep: with the endpoint's model name, if any.
func (req ChatRequest) at(ep Endpoint) ChatRequest {
	if ep.Model != "" {
		req.Model = ep.Model
	}
	return req
}

// attempt opens a stream on one endpoint and waits for its first chunk
// within the endpoint's timeout.
func (r *Router) attempt(ctx context.Context, drv Driver, ep Endpoint, req ChatRequest) (Stream, error) {
	done, err := r.breaker(ep.Name).Allow()
	if err != nil {
		return nil, err
	}
	slot := r.slot(ep)
	if slot != nil {
		select {
		case slot <- struct{}{}:
		case <-ctx.Done():
			done(ctx.Err())
			return nil, ctx.Err()
		}
	}
	release := func() {
		if slot != nil {
			<-slot
		}
	}
	timeout := ep.Timeout
	if timeout <= 0 {
		timeout = r.opts.DefaultTimeout
	}
	actx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(timeout, cancel)
	fail := func(err error) (Stream, error) {
		timedOut := !timer.Stop() && ctx.Err() == nil
		cancel()
		release()
		if timedOut {
			err = &Error{Kind: KindUnavailable, Endpoint: ep.Name, Msg: fmt.Sprintf("no first token within %s", timeout)}
		}
		done(err)
		return nil, err
	}
	s, err := drv.Chat(actx, ep, req)
	if err != nil {
		return fail(err)
	}
	first, err := s.Recv()
	if err != nil && !errors.Is(err, io.EOF) {
		_ = s.Close()
		return fail(err)
	}
	timer.Stop()
	done(nil)
	return &routedStream{Stream: s, first: &first, firstErr: err, cancel: cancel, release: release}, nil
}

// routedStream replays the first chunk, then reads on; Close frees the
// endpoint's slot and cancels the upstream request.
type routedStream struct {
	Stream
	first    *Chunk
	firstErr error
	cancel   context.CancelFunc
	release  func()
	once     sync.Once
}

func (s *routedStream) Recv() (Chunk, error) {
	if s.first != nil {
		c, err := *s.first, s.firstErr
		s.first = nil
		return c, err
	}
	return s.Stream.Recv()
}

func (s *routedStream) Close() error {
	err := s.Stream.Close()
	s.once.Do(func() {
		s.cancel()
		s.release()
	})
	return err
}

// Embed asks the endpoints in order, with the same retries and failover.
func (r *Router) Embed(ctx context.Context, eps []Endpoint, req EmbedRequest) (EmbedResult, error) {
	return each(ctx, r, eps, func(drv Driver, ep Endpoint) (EmbedResult, error) {
		req := req
		if ep.Model != "" {
			req.Model = ep.Model
		}
		return drv.Embed(ctx, ep, req)
	})
}

// Transcribe turns audio into text at the first endpoint that can, with
// the same retries and failover; the audio is opened anew for each try.
// Endpoints whose provider cannot transcribe are passed over.
func (r *Router) Transcribe(ctx context.Context, eps []Endpoint, req TranscribeRequest) (Transcript, error) {
	able, err := capable[Transcriber](r, eps, "transcribe audio")
	if err != nil {
		return Transcript{}, err
	}
	return each(ctx, r, able, func(drv Driver, ep Endpoint) (Transcript, error) {
		req := req
		if ep.Model != "" {
			req.Model = ep.Model
		}
		return drv.(Transcriber).Transcribe(ctx, ep, req)
	})
}

// capable keeps the endpoints whose driver is a T (a Transcriber, a
// Reranker); none of them is a bad request naming what they cannot do.
func capable[T any](r *Router, eps []Endpoint, what string) ([]Endpoint, error) {
	var able []Endpoint
	for _, ep := range eps {
		if _, ok := r.drivers[ep.Type].(T); ok {
			able = append(able, ep)
		}
	}
	if len(able) == 0 && len(eps) > 0 {
		return nil, &Error{Kind: KindBadRequest, Endpoint: eps[0].Name, Msg: "the " + eps[0].Type + " provider cannot " + what}
	}
	return able, nil
}

// each calls one endpoint after another, in priority order, through its
// breaker, retrying what may succeed on a second try, until one answers.
func each[T any](ctx context.Context, r *Router, eps []Endpoint, call func(Driver, Endpoint) (T, error)) (T, error) {
	var zero T
	var last error = &Error{Kind: KindUnavailable, Msg: "the model has no endpoint"}
	for _, ep := range ordered(eps) {
		drv, ok := r.drivers[ep.Type]
		if !ok {
			last = &Error{Kind: KindBadRequest, Endpoint: ep.Name, Msg: "unknown provider type " + ep.Type}
			continue
		}
		for n := 1; n <= r.opts.Attempts; n++ {
			done, err := r.breaker(ep.Name).Allow()
			if err != nil {
				last = err
				break
			}
			res, err := call(drv, ep)
			done(err)
			if err == nil {
				return res, nil
			}
			last = err
			if ctx.Err() != nil || terminal(err) {
				return zero, err
			}
			if e, ok := AsError(err); ok && e.Kind == KindRefused {
				break // the address stays refused; try the next endpoint
			}
			wait, ok := r.backoff(n, err)
			if !ok || n == r.opts.Attempts {
				break
			}
			if err := r.opts.Sleep(ctx, wait); err != nil {
				return zero, err
			}
		}
	}
	return zero, fmt.Errorf("every endpoint failed: %w", last)
}
