import { Link } from 'react-router'

export default function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        There is no such page. <Link to="/">Back to the overview</Link>
      </p>
    </section>
  )
}
