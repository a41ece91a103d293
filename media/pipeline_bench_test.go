package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"inkwell/media"
)

// photoJPEG is bench/media's 12 MP photo: a 4032×3024 4:2:0 JPEG of smooth
// gradients with sensor noise, which compresses about as a real photo does
// (3.7 MB at quality 90).
func photoJPEG(tb testing.TB) []byte {
	const w, h = 4032, 3024
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8(x*200/w + y*40/h + rng.IntN(24))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			img.Cb[y*img.CStride+x] = uint8(100 + x*60/(w/2) + rng.IntN(6))
			img.Cr[y*img.CStride+x] = uint8(140 - y*40/(h/2) + rng.IntN(6))
		}
	}
	var buf bytes.Buffer
	require.NoError(tb, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	return buf.Bytes()
}

// withOrientation inserts an APP1 EXIF segment with the given Orientation
// after the JPEG's SOI, as a phone writes for a photo taken in portrait.
func withOrientation(photo []byte, orientation uint16) []byte {
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, 0x0112)
	tiff = le.AppendUint16(tiff, 3)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint16(tiff, orientation)
	tiff = le.AppendUint16(tiff, 0)
	tiff = le.AppendUint32(tiff, 0)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(2+len(payload)))
	out := append([]byte{0xFF, 0xD8}, app1...)
	out = append(out, payload...)
	return append(out, photo[2:]...)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProcess12MP is one upload of a 12 MP phone photo through the
// pipeline (sniff, pixel check, decode, orientation, re-encode, both
// thumbnails), upright and with Orientation=6 (portrait), one at a time:
// ns/op is the CPU one upload costs.
//
//	go test ./media/ -run '^$' -bench Process12MP -benchtime 20x -cpu 1 -cpuprofile /tmp/media.prof
func BenchmarkProcess12MP(b *testing.B) {
	photo := photoJPEG(b)
	for _, c := range []struct {
		name string
		data []byte
	}{{"upright", photo}, {"orientation6", withOrientation(photo, 6)}} {
		b.Run(c.name, func(b *testing.B) {
			u := spool(b, c.data)
			p := media.NewPipeline(1)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				res, err := p.Process(context.Background(), u)
				if err != nil {
					b.Fatal(err)
				}
				if res.Thumb == nil || res.Post == nil {
					b.Fatal("missing a variant")
				}
			}
			// The process's CPU time per upload: unlike ns/op, it does not
			// stretch when other processes share the machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
