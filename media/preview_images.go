package media

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"

	"inkwell/outbound"
	"inkwell/storage"
)

// PreviewOwner is the owner segment of link-preview images' keys. They
// belong to no one's library (no row, no folder), so they live under an
// owner id no user has; reindex counts them as objects of unknown users and
// leaves them alone, and the object handler serves them like any other.
const PreviewOwner = 0

// PreviewImages keeps copies of link-preview images (previews.ImageStore):
// fetched through the outbound client, checked and re-encoded by the same
// pipeline as an upload, so what readers load comes from us, carries no
// metadata, and cannot be anything but an image.
type PreviewImages struct {
	svc    *Service
	client *outbound.Client
}

// PreviewImages returns the library's store for preview images, fetching
// through client (the process's one outbound client).
func (s *Service) PreviewImages(client *outbound.Client) *PreviewImages {
	return &PreviewImages{svc: s, client: client}
}

// StorePreviewImage fetches imageURL, runs it through the pipeline and
// stores the rendering a card shows (the 1280 px one for a large image,
// else the re-encoded image), answering its public URL. Video and
// anything that is not an accepted image are refused.
func (p *PreviewImages) StorePreviewImage(ctx context.Context, imageURL, _ string) (string, error) {
	resp, err := p.client.Get(ctx, imageURL, outbound.Fetch{Accept: "image/*", MaxBytes: p.svc.maxUpload})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", outbound.UpstreamStatus(resp)
	}
	up, err := Spool(resp.Body, p.svc.maxUpload, p.svc.tempDir)
	if err != nil {
		return "", err
	}
	defer func() { _ = up.Close() }() // a leftover temp file does not change the result
	res, err := p.svc.pipeline.Process(ctx, up)
	if err != nil {
		return "", err
	}
	if !res.Image {
		return "", fmt.Errorf("media: preview image %s is %s, not an image", imageURL, res.ContentType)
	}
	base := objectBase(PreviewOwner, hex.EncodeToString(up.SHA256[:]))
	attrs := storage.Attrs{CacheControl: ObjectCacheControl}
	var key string
	var body io.Reader
	if res.Post != nil {
		key, body, attrs.ContentType = base+res.Post.Suffix+".jpg", bytes.NewReader(res.Post.Data), "image/jpeg"
	} else {
		if _, err := res.Body.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		key, body, attrs.ContentType = base+"."+res.Ext, res.Body, res.ContentType
	}
	if err := p.svc.bucket.Put(ctx, key, body, attrs); err != nil {
		return "", err
	}
	return p.svc.url(key), nil
}
