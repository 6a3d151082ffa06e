/** Theme of Plataforma Omnichannel. Tailwind v4 loads it through `@config` in style/tailwind.css. */
module.exports = {
  content: ["./app/src/**/*.rs"],
  theme: {
    extend: {
      colors: {
        // Brand: a deep teal, calm for all-day use, distinct from every channel's own colour.
        marca: {
          50: "#effcf9",
          100: "#c9f6ec",
          200: "#94ecda",
          300: "#57dac3",
          400: "#27bfa9",
          500: "#0ea290",
          600: "#088276",
          700: "#0b6860",
          800: "#0e534e",
          900: "#114541",
          950: "#022927",
        },
        fundo: "#f4f6f8",
        tinta: { DEFAULT: "#1c2430", suave: "#5b6675" },
        borda: "#dfe3e8",
        lateral: "#0f1e2a",
      },
      fontFamily: {
        sans: ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
      },
      borderRadius: {
        cartao: "0.75rem",
      },
    },
  },
};
