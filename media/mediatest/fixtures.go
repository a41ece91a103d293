// Package mediatest holds generated media fixtures shared by the media
// package's tests and the API tests: phone photos with EXIF, polyglots,
// decompression bombs, WebP, GIF and video headers.
package mediatest

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"
)

// Halves is a w×h image, red on the left half and blue on the right, so a
// rotation shows in where the colours end up.
func Halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func EncodeJPEG(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	return buf.Bytes()
}

// gpsLatitude is the text of the fixture's GPS reference, found in the
// output if any EXIF survived.
const GPSMarker = "INKWELL-GPS-FIXTURE"

// PhoneJPEG is what a phone camera writes for a photo taken in portrait:
// the sensor's landscape pixels (w×h) plus an EXIF block with
// Orientation=6 (turn 90° clockwise to show) and a GPS position.
func PhoneJPEG(t testing.TB, w, h int) []byte {
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	entry := func(tag, typ uint16, count, value uint32) []byte {
		b := make([]byte, 12)
		le.PutUint16(b[0:], tag)
		le.PutUint16(b[2:], typ)
		le.PutUint32(b[4:], count)
		le.PutUint32(b[8:], value)
		return b
	}
	const ifd0 = 8
	const gpsIFD = ifd0 + 2 + 3*12 + 4
	const gpsData = gpsIFD + 2 + 3*12 + 4
	markerAt := uint32(gpsData + 24)
	// IFD0: Orientation, GPS IFD pointer, ImageDescription.
	tiff = le.AppendUint16(tiff, 3)
	tiff = append(tiff, entry(0x0112, 3, 1, 6)...)
	tiff = append(tiff, entry(0x8825, 4, 1, gpsIFD)...)
	tiff = append(tiff, entry(0x010E, 2, uint32(len(GPSMarker)+1), markerAt)...)
	tiff = le.AppendUint32(tiff, 0)
	// GPS IFD: latitude ref N, latitude 48°51'23.72", a processing note.
	tiff = le.AppendUint16(tiff, 3)
	tiff = append(tiff, entry(0x0001, 2, 2, uint32('N'))...)
	tiff = append(tiff, entry(0x0002, 5, 3, gpsData)...)
	tiff = append(tiff, entry(0x001B, 2, uint32(len(GPSMarker)+1), markerAt)...)
	tiff = le.AppendUint32(tiff, 0)
	for _, r := range [][2]uint32{{48, 1}, {51, 1}, {2372, 100}} {
		tiff = le.AppendUint32(tiff, r[0])
		tiff = le.AppendUint32(tiff, r[1])
	}
	tiff = append(tiff, GPSMarker+"\x00"...)
	require.Equal(t, int(markerAt)+len(GPSMarker)+1, len(tiff))

	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(2+len(payload)))
	app1 = append(app1, payload...)

	plain := EncodeJPEG(t, Halves(w, h))
	out := append([]byte{0xFF, 0xD8}, app1...)
	return append(out, plain[2:]...)
}

// JPEGSegments lists the marker bytes of a JPEG's segments up to the scan.
func JPEGSegments(t testing.TB, b []byte) []byte {
	require.True(t, len(b) > 4 && b[0] == 0xFF && b[1] == 0xD8, "not a JPEG")
	var markers []byte
	for i := 2; i+4 <= len(b); {
		require.Equal(t, byte(0xFF), b[i], "marker expected at %d", i)
		m := b[i+1]
		markers = append(markers, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return markers
}

// Polyglot is a valid JPEG followed by an HTML page and a ZIP archive:
// browsers sniffing it could run the page, unzip tools find the archive.
func Polyglot(t testing.TB) []byte {
	out := EncodeJPEG(t, Halves(64, 48))
	out = append(out, "<html><body><script>alert(document.cookie)</script></body></html>"...)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	f, err := zw.Create("payload.html")
	require.NoError(t, err)
	_, err = f.Write([]byte("<script>alert(1)</script>"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return append(out, zbuf.Bytes()...)
}

// BombPNG is a valid w×h 1-bit grayscale PNG of one colour: a few hundred
// KB on disk, w×h bytes or more once decoded.
func BombPNG(t testing.TB, w, h int) []byte {
	chunk := func(out []byte, typ string, data []byte) []byte {
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		start := len(out)
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 1, 0, 0, 0, 0) // bit depth 1, grayscale, deflate, no filter, no interlace
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	require.NoError(t, err)
	row := make([]byte, 1+(w+7)/8) // filter byte 0, then zero bits
	for y := 0; y < h; y++ {
		_, err := zw.Write(row)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	out := []byte("\x89PNG\r\n\x1a\n")
	out = chunk(out, "IHDR", ihdr)
	out = chunk(out, "IDAT", idat.Bytes())
	return chunk(out, "IEND", nil)
}

// TinyWebP is a 1×1 lossless WebP.
func TinyWebP(t testing.TB) []byte {
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	require.NoError(t, err)
	return b
}

// WebPWithEXIF wraps TinyWebP's image chunk in an extended (VP8X) file with
// EXIF and XMP chunks, and appends junk after the RIFF container.
func WebPWithEXIF(t testing.TB) []byte {
	le := binary.LittleEndian
	chunk := func(out []byte, fourcc string, data []byte) []byte {
		out = append(out, fourcc...)
		out = le.AppendUint32(out, uint32(len(data)))
		out = append(out, data...)
		if len(data)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 | 0x04 | 0x10 // EXIF, XMP, alpha
	// canvas 1×1: width-1 and height-1 as 24-bit values (zeros)
	body := []byte("WEBP")
	body = chunk(body, "VP8X", vp8x)
	body = append(body, TinyWebP(t)[12:]...) // the VP8L chunk
	body = chunk(body, "EXIF", []byte("Exif\x00\x00"+GPSMarker))
	body = chunk(body, "XMP ", []byte("<x:xmpmeta>"+GPSMarker+"</x:xmpmeta>"))
	out := append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...)
	out = append(out, body...)
	return append(out, "<html>trailing</html>"...)
}

func SmallGIF(t testing.TB) []byte {
	pal := color.Palette{color.White, color.Black}
	frames := []*image.Paletted{image.NewPaletted(image.Rect(0, 0, 30, 10), pal), image.NewPaletted(image.Rect(0, 0, 30, 10), pal)}
	frames[1].SetColorIndex(3, 3, 1)
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, &gif.GIF{Image: frames, Delay: []int{10, 10}}))
	return buf.Bytes()
}

func TransparentPNG(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.NRGBA{0, 128, 0, 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// MP4Head and WebMHead are the first bytes of an MP4 (ftyp box) and a WebM
// (EBML header) file, enough for the type to be known from the bytes.
func MP4Head() []byte {
	return append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{0}, 200)...)
}

func WebMHead() []byte {
	return append([]byte("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\x82\x84webm"), bytes.Repeat([]byte{0}, 200)...)
}

// AnimatedWebP is a 1×1, one-frame animated WebP (VP8X with the animation
// flag, ANIM, one ANMF holding TinyWebP's VP8L chunk) with an EXIF chunk.
func AnimatedWebP(t testing.TB) []byte {
	le := binary.LittleEndian
	chunk := func(out []byte, fourcc string, data []byte) []byte {
		out = append(out, fourcc...)
		out = le.AppendUint32(out, uint32(len(data)))
		out = append(out, data...)
		if len(data)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	vp8x := make([]byte, 10)
	vp8x[0] = 0x02 | 0x08 | 0x10 // animation, EXIF, alpha; canvas 1×1
	anim := []byte{255, 255, 255, 255, 0, 0}
	frame := make([]byte, 16) // x, y, width-1, height-1 (0: 1×1), duration, flags
	frame[12] = 100
	frame = append(frame, TinyWebP(t)[12:]...)
	body := []byte("WEBP")
	body = chunk(body, "VP8X", vp8x)
	body = chunk(body, "ANIM", anim)
	body = chunk(body, "ANMF", frame)
	body = chunk(body, "EXIF", []byte("Exif\x00\x00"+GPSMarker))
	return append(append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...), body...)
}
