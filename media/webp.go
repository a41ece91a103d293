package media

import (
	"encoding/binary"
	"errors"
)

// webpKept are the RIFF chunks a WebP needs to show: image data, alpha,
// animation and colour profile. EXIF, XMP and anything unknown are dropped,
// and so is whatever follows the RIFF container.
//
//nolint:gocritic // "VP8 " (lossy image data) is a FourCC: the space is part of it.
var webpKept = map[string]bool{"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true, "ANIM": true, "ANMF": true, "ICCP": true}

// VP8X flag bits announcing EXIF and XMP chunks.
const (
	vp8xEXIF      = 0x08
	vp8xXMP       = 0x04
	vp8xAnimation = 0x02
)

// webpAnimated reports whether a WebP (as stripWebP writes it: VP8X, when
// present, is the first chunk) announces an animation.
func webpAnimated(data []byte) bool {
	return len(data) > 20 && string(data[12:16]) == "VP8X" && data[20]&vp8xAnimation != 0
}

// stripWebP rewrites a WebP file without its metadata chunks.
func stripWebP(data []byte) ([]byte, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("no RIFF WEBP header")
	}
	size := int(binary.LittleEndian.Uint32(data[4:8]))
	if size < 4 || 8+size > len(data) {
		return nil, errors.New("RIFF size beyond the file")
	}
	body := data[12 : 8+size]
	out := make([]byte, 12, len(data))
	copy(out, "RIFF\x00\x00\x00\x00WEBP")
	kept := 0
	for len(body) > 0 {
		if len(body) < 8 {
			return nil, errors.New("truncated chunk header")
		}
		fourcc := string(body[:4])
		n := int(binary.LittleEndian.Uint32(body[4:8]))
		if n < 0 || 8+n > len(body) {
			return nil, errors.New("chunk " + fourcc + " runs past the file")
		}
		chunk := body[:8+n]
		// Odd-sized chunks are followed by a pad byte, which some writers
		// leave out of the last chunk.
		body = body[min(8+n+n&1, len(body)):]
		if !webpKept[fourcc] {
			continue
		}
		start := len(out)
		out = append(out, chunk...)
		if n&1 == 1 {
			out = append(out, 0)
		}
		if fourcc == "VP8X" && n > 0 {
			out[start+8] &^= vp8xEXIF | vp8xXMP
		}
		kept++
	}
	if kept == 0 {
		return nil, errors.New("no image chunk")
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
