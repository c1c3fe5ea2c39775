package hwtoken

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// Names from RFC 6030, XML Encryption and XML Signature.
const (
	pskcNS    = "urn:ietf:params:xml:ns:keyprov:pskc"
	algTOTP   = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
	algHOTP   = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"
	macSHA1   = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
	macSHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
)

// aesCBCKeySize maps the XML Encryption AES-CBC algorithms to their key sizes.
var aesCBCKeySize = map[string]int{
	"http://www.w3.org/2001/04/xmlenc#aes128-cbc": 16,
	"http://www.w3.org/2001/04/xmlenc#aes192-cbc": 24,
	"http://www.w3.org/2001/04/xmlenc#aes256-cbc": 32,
}

// The parts of a PSKC document we read. Elements are matched by local name; the
// root element's namespace is checked in ParsePSKC.
type (
	encryptionKey struct {
		KeyName    string    `xml:"KeyName"`
		DerivedKey *struct{} `xml:"DerivedKey"` // password-based: not supported
		X509Data   *struct{} `xml:"X509Data"`   // certificate-based: not supported
	}

	macMethod struct {
		Algorithm string          `xml:"Algorithm,attr"`
		MACKey    *encryptedValue `xml:"MACKey"`
	}

	// encryptedValue is an xenc:EncryptedDataType: EncryptedValue and MACKey.
	encryptedValue struct {
		EncryptionMethod struct {
			Algorithm string `xml:"Algorithm,attr"`
		} `xml:"EncryptionMethod"`
		CipherValue *string `xml:"CipherData>CipherValue"`
	}

	keyPackage struct {
		SerialNo *string `xml:"DeviceInfo>SerialNo"`
		Keys     []key   `xml:"Key"`
	}

	key struct {
		Algorithm      string          `xml:"Algorithm,attr"`
		Suite          *string         `xml:"AlgorithmParameters>Suite"`
		ResponseFormat *responseFormat `xml:"AlgorithmParameters>ResponseFormat"`
		Secret         *secret         `xml:"Data>Secret"`
		TimeInterval   *plainOnly      `xml:"Data>TimeInterval"`
	}

	responseFormat struct {
		Length   string `xml:"Length,attr"`
		Encoding string `xml:"Encoding,attr"`
	}

	secret struct {
		PlainValue     *string         `xml:"PlainValue"`
		EncryptedValue *encryptedValue `xml:"EncryptedValue"`
		ValueMAC       *string         `xml:"ValueMAC"`
	}

	plainOnly struct {
		PlainValue *string `xml:"PlainValue"`
	}
)

// container is a decoded KeyContainer.
type container struct {
	encryptionKey *encryptionKey
	macMethod     *macMethod
	packages      []keyPackage
}

// ParsePSKC reads the TOTP seeds in a PSKC (RFC 6030) key container. Secrets are
// either plain (PlainValue) or encrypted with AES-CBC under preSharedKey
// (EncryptedValue, RFC 6030 §6.1); preSharedKey may be nil for a file with plain
// secrets only.
//
// An encrypted secret needs a ValueMAC and the container's MACMethod with a MACKey
// encrypted under preSharedKey; the MAC over the CipherValue (IV || ciphertext) is
// checked in constant time before anything is decrypted. Password-based (DerivedKey)
// and certificate-based encryption are not supported.
//
// The whole file is refused if any key package is wrong: no serial number, a
// duplicate serial, a key that is not TOTP/HMAC-SHA1/6 digits/30 s, a missing or too
// short secret, a failed integrity check (ErrIntegrity), a DOCTYPE, no keys, more than
// MaxSeeds keys or more than MaxFileSize bytes (ErrTooLarge). Errors name the key
// package (counting from 1) and its serial, never the secret.
func ParsePSKC(r io.Reader, preSharedKey []byte) ([]Seed, error) {
	c, err := decodeContainer(r)
	if err != nil {
		return nil, err
	}
	if len(c.packages) == 0 {
		return nil, errors.New("hwtoken: the PSKC file holds no key packages")
	}

	var mac *macer // made when the first encrypted secret is met
	seeds := make([]Seed, 0, len(c.packages))
	seen := make(map[string]string, len(c.packages))
	for i, p := range c.packages {
		place := fmt.Sprintf("key package %d", i+1)
		if p.SerialNo == nil {
			return nil, fmt.Errorf("hwtoken: %s: no DeviceInfo/SerialNo; the serial number binds a token to a user", place)
		}
		serial := strings.TrimSpace(*p.SerialNo)
		if err := checkSerial(serial); err != nil {
			return nil, fmt.Errorf("hwtoken: %s: %w", place, err)
		}
		fail := func(format string, a ...any) error {
			return fmt.Errorf("hwtoken: %s (serial %s): %w", place, quote(serial), fmt.Errorf(format, a...))
		}
		if err := checkUnique(seen, serial, place); err != nil {
			return nil, fail("%w", err)
		}
		if len(p.Keys) != 1 {
			return nil, fail("%d Key elements, want 1", len(p.Keys))
		}
		k := p.Keys[0]
		s := Seed{Serial: serial}
		if s.Digits, s.Period, s.Algorithm, err = k.params(); err != nil {
			return nil, fail("%w", err)
		}
		if k.Secret == nil {
			return nil, fail("missing secret")
		}
		switch sec := k.Secret; {
		case sec.PlainValue != nil && sec.EncryptedValue != nil:
			return nil, fail("both PlainValue and EncryptedValue in Secret")
		case sec.PlainValue != nil:
			if s.Secret, err = decodeBase64(*sec.PlainValue); err != nil {
				return nil, fail("secret PlainValue is not valid base64")
			}
		case sec.EncryptedValue != nil:
			if mac == nil {
				if mac, err = c.newMacer(preSharedKey); err != nil {
					return nil, err
				}
			}
			if s.Secret, err = mac.open(sec, preSharedKey); err != nil {
				return nil, fail("secret: %w", err)
			}
		}
		if err := s.validate(); err != nil {
			return nil, fail("%w", err)
		}
		seeds = append(seeds, s)
	}
	return seeds, nil
}

// params checks the key's algorithm and returns its digits, period and hash.
func (k key) params() (digits, period int, alg string, err error) {
	switch a := strings.TrimSpace(k.Algorithm); a {
	case algTOTP:
	case algHOTP:
		return 0, 0, "", errors.New("HOTP (counter-based) key; only TOTP tokens are supported")
	default:
		return 0, 0, "", fmt.Errorf("unsupported key algorithm %s; only TOTP (%s) is supported", quote(a), algTOTP)
	}

	// RFC 6030 §4.3.4: Suite names the hash of an HMAC-based algorithm.
	alg = Algorithm
	if k.Suite != nil {
		switch suite := strings.ToUpper(strings.TrimSpace(*k.Suite)); suite {
		case "", "SHA1", "HMAC-SHA1", "SHA-1", "HMAC-SHA-1":
		default:
			return 0, 0, "", fmt.Errorf("algorithm suite %s; only HMAC-SHA1 is supported, the login verifies HMAC-SHA1 codes (RFC 6238)", quote(suite))
		}
	}

	// There is no default length, so a file must say it: a wrong guess would only
	// show up when the user first fails to log in.
	rf := k.ResponseFormat
	if rf == nil {
		return 0, 0, "", errors.New("no AlgorithmParameters/ResponseFormat; the number of digits is unknown")
	}
	if e := strings.TrimSpace(rf.Encoding); e != "DECIMAL" {
		return 0, 0, "", fmt.Errorf("response encoding %s; only DECIMAL is supported", quote(e))
	}
	if digits, err = strconv.Atoi(strings.TrimSpace(rf.Length)); err != nil {
		return 0, 0, "", fmt.Errorf("response length %s is not a number", quote(rf.Length))
	}

	period = Period // RFC 6030 §4.3.4: TimeInterval defaults to 30 s
	if ti := k.TimeInterval; ti != nil {
		if ti.PlainValue == nil {
			return 0, 0, "", errors.New("TimeInterval has no PlainValue")
		}
		if period, err = strconv.Atoi(strings.TrimSpace(*ti.PlainValue)); err != nil {
			return 0, 0, "", fmt.Errorf("TimeInterval %s is not a number", quote(*ti.PlainValue))
		}
	}
	return digits, period, alg, nil
}

// decodeContainer reads a KeyContainer, refusing DOCTYPEs, trailing elements and
// more than MaxSeeds key packages.
func decodeContainer(r io.Reader) (*container, error) {
	d := xml.NewTokenDecoder(noDirectives{xml.NewDecoder(newLimitReader(r))})
	malformed := func(err error) error {
		if errors.Is(err, ErrTooLarge) {
			return ErrTooLarge
		}
		return fmt.Errorf("hwtoken: malformed PSKC file: %w", err)
	}

	root, err := nextStart(d)
	if err != nil {
		return nil, malformed(err)
	}
	if root.Name.Space != pskcNS || root.Name.Local != "KeyContainer" {
		return nil, fmt.Errorf("hwtoken: not a PSKC file: root element is %s, want KeyContainer in namespace %s",
			quote(root.Name.Space+" "+root.Name.Local), pskcNS)
	}
	if v := attr(root, "Version"); v != "1.0" {
		return nil, fmt.Errorf("hwtoken: PSKC version %s; only 1.0 is supported", quote(v))
	}

	c := new(container)
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, malformed(err)
		}
		if _, ok := tok.(xml.EndElement); ok {
			break // </KeyContainer>
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "KeyPackage":
			if len(c.packages) == MaxSeeds {
				return nil, fmt.Errorf("hwtoken: more than %d key packages", MaxSeeds)
			}
			var p keyPackage
			err = d.DecodeElement(&p, &start)
			c.packages = append(c.packages, p)
		case "EncryptionKey":
			if c.encryptionKey != nil {
				return nil, errors.New("hwtoken: more than one EncryptionKey")
			}
			c.encryptionKey = new(encryptionKey)
			err = d.DecodeElement(c.encryptionKey, &start)
		case "MACMethod":
			if c.macMethod != nil {
				return nil, errors.New("hwtoken: more than one MACMethod")
			}
			c.macMethod = new(macMethod)
			err = d.DecodeElement(c.macMethod, &start)
		default: // Signature, Extensions
			err = d.Skip()
		}
		if err != nil {
			return nil, malformed(err)
		}
	}

	// Read to the end, so that the size limit holds and nothing follows the root.
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return nil, malformed(err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			return nil, malformed(errors.New("element after KeyContainer"))
		}
	}
}

// nextStart returns the first start element.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, errors.New("no root element")
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start, nil
		}
	}
}

// attr returns the value of the unqualified attribute name.
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// noDirectives passes tokens through but fails on a directive such as <!DOCTYPE> or
// <!ENTITY>: a key file has no use for them, and refusing them rules out entity tricks.
type noDirectives struct{ d *xml.Decoder }

func (n noDirectives) Token() (xml.Token, error) {
	tok, err := n.d.Token()
	if _, ok := tok.(xml.Directive); ok {
		return nil, errors.New("DOCTYPE or other <!...> directive not allowed")
	}
	return tok, err
}

// macer checks ValueMACs and decrypts secrets of one container.
type macer struct {
	hash func() hash.Hash
	key  []byte
}

// newMacer checks that the container's secrets can be decrypted with preSharedKey
// and decrypts its MAC key.
func (c *container) newMacer(preSharedKey []byte) (*macer, error) {
	if ek := c.encryptionKey; ek != nil && ek.DerivedKey != nil {
		return nil, errors.New("hwtoken: password-based (DerivedKey) encryption is not supported; ask the supplier for a pre-shared AES key")
	}
	if ek := c.encryptionKey; ek != nil && ek.X509Data != nil {
		return nil, errors.New("hwtoken: certificate-based encryption is not supported; ask the supplier for a pre-shared AES key")
	}
	if len(preSharedKey) == 0 {
		return nil, errors.New("hwtoken: the secrets are encrypted but no pre-shared key was given")
	}
	mm := c.macMethod
	if mm == nil || mm.MACKey == nil {
		return nil, errors.New("hwtoken: the secrets are encrypted but the file has no MACMethod/MACKey to check them with")
	}
	m := new(macer)
	switch a := strings.TrimSpace(mm.Algorithm); a {
	case macSHA1:
		m.hash = sha1.New
	case macSHA256:
		m.hash = sha256.New
	default:
		return nil, fmt.Errorf("hwtoken: unsupported MAC algorithm %s", quote(a))
	}
	key, err := decrypt(mm.MACKey, preSharedKey) // a wrong pre-shared key fails here
	if err != nil {
		return nil, fmt.Errorf("hwtoken: MACKey: %w", err)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("hwtoken: MACKey is %d bytes, at least 16 are needed", len(key))
	}
	m.key = key
	return m, nil
}

// open checks the secret's ValueMAC over the CipherValue (IV || ciphertext) and only
// then decrypts it (RFC 6030 §6.1.1).
func (m *macer) open(s *secret, preSharedKey []byte) ([]byte, error) {
	if s.ValueMAC == nil {
		return nil, errors.New("no ValueMAC; an AES-CBC encrypted secret must have one (RFC 6030 §6.1.1)")
	}
	want, err := decodeBase64(*s.ValueMAC)
	if err != nil {
		return nil, errors.New("ValueMAC is not valid base64")
	}
	if s.EncryptedValue.CipherValue == nil {
		return nil, errors.New("EncryptedValue has no CipherData/CipherValue")
	}
	data, err := decodeBase64(*s.EncryptedValue.CipherValue)
	if err != nil {
		return nil, errors.New("CipherValue is not valid base64")
	}
	h := hmac.New(m.hash, m.key)
	h.Write(data)
	if !hmac.Equal(h.Sum(nil), want) {
		return nil, ErrIntegrity
	}
	return decrypt(s.EncryptedValue, preSharedKey)
}

// decrypt decrypts an AES-CBC EncryptedValue whose CipherValue is IV || ciphertext.
//
// Padding is removed as XML Encryption 1.0 §5.2 says: the last byte is the number of
// padding bytes (1 to 16), the others may hold anything. This accepts PKCS#7 and the
// random padding some XML Encryption libraries write; integrity comes from the MAC.
// A bad last byte is reported as ErrIntegrity, since it is what a wrong key gives.
func decrypt(ev *encryptedValue, key []byte) ([]byte, error) {
	alg := strings.TrimSpace(ev.EncryptionMethod.Algorithm)
	size, ok := aesCBCKeySize[alg]
	if !ok {
		return nil, fmt.Errorf("unsupported encryption algorithm %s; AES-CBC (aes128-cbc, aes192-cbc, aes256-cbc) is supported", quote(alg))
	}
	if len(key) != size {
		return nil, fmt.Errorf("pre-shared key is %d bytes, %s needs %d", len(key), alg[strings.IndexByte(alg, '#')+1:], size)
	}
	if ev.CipherValue == nil {
		return nil, errors.New("no CipherData/CipherValue")
	}
	data, err := decodeBase64(*ev.CipherValue)
	if err != nil {
		return nil, errors.New("CipherValue is not valid base64")
	}
	if len(data) < 2*aes.BlockSize || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("CipherValue is %d bytes, not an IV and whole AES blocks", len(data))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	iv, ct := data[:aes.BlockSize], data[aes.BlockSize:]
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	n := int(plain[len(plain)-1])
	if n < 1 || n > aes.BlockSize {
		return nil, fmt.Errorf("bad padding: %w", ErrIntegrity)
	}
	return plain[:len(plain)-n], nil
}

// decodeBase64 decodes xs:base64Binary, which may contain white space.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}
