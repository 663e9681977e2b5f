import HTTPTypes

extension HTTPField.Name {
    static let csrfToken = Self("X-CSRF-Token")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let frameOptions = Self("X-Frame-Options")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let secFetchMode = Self("Sec-Fetch-Mode")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
