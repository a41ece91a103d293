package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"inkwell/media/internal/jpegenc"
)

func stageCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStages12MP splits BenchmarkProcess12MP's upload into the
// pipeline's stages, each timed alone on the same 12 MP photo (as
// bench/media makes it), for docs/media.md's per-stage figures:
//
//	go test ./media/ -run '^$' -bench Stages12MP -benchtime 10x -cpu 1
func BenchmarkStages12MP(b *testing.B) {
	const w, h = 4032, 3024
	src := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			src.Y[y*src.YStride+x] = uint8(x*200/w + y*40/h + rng.IntN(24))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			src.Cb[y*src.CStride+x] = uint8(100 + x*60/(w/2) + rng.IntN(6))
			src.Cr[y*src.CStride+x] = uint8(140 - y*40/(h/2) + rng.IntN(6))
		}
	}
	var file bytes.Buffer
	if err := jpeg.Encode(&file, src, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	decoded, err := jpeg.Decode(bytes.NewReader(file.Bytes()))
	if err != nil {
		b.Fatal(err)
	}
	img := decoded.(*image.YCbCr)
	post := fit(img, PostSide)
	encode := func(m image.Image) {
		var buf bytes.Buffer
		if err := jpegenc.Encode(&buf, opaqueRGBA(m), &jpegenc.Options{Quality: JPEGQuality}); err != nil {
			b.Fatal(err)
		}
	}
	for _, s := range []struct {
		name string
		run  func()
	}{
		{"decode", func() {
			if _, err := jpeg.Decode(bytes.NewReader(file.Bytes())); err != nil {
				b.Fatal(err)
			}
		}},
		{"encode-full", func() { encode(img) }},
		{"encode-full-orientation6", func() {
			var buf bytes.Buffer
			if err := jpegenc.EncodeTransformed(&buf, img, orientations[6], &jpegenc.Options{Quality: JPEGQuality}); err != nil {
				b.Fatal(err)
			}
		}},
		{"turn-whole-frame-orientation6", func() { orient(img, 6) }},
		{"encode-full-image-jpeg", func() {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
				b.Fatal(err)
			}
		}},
		{"fit-1280", func() { fit(img, PostSide) }},
		{"encode-1280", func() { encode(post) }},
		{"fit-320", func() { fit(post, ThumbSide) }},
	} {
		b.Run(s.name, func(b *testing.B) {
			cpu0 := stageCPU()
			for b.Loop() {
				s.run()
			}
			b.ReportMetric(float64((stageCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
