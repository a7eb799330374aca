/** Console entry: Pinia, router, i18n, the API client's toast and 401 hooks, the theme. */
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './styles.css'
import App from './App.vue'
import { makeRouter } from './router'
import { i18n } from './i18n'
import { configureClient } from './api/client'
import { useAuth } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
const router = makeRouter()
app.use(router)

configureClient({
  notify: (message) => ElMessage({ message, type: 'error', showClose: true, duration: 5000 }),
  locale: () => i18n.global.locale.value,
  onUnauthorized: () => {
    const auth = useAuth(pinia)
    auth.me = null
    const here = router.currentRoute.value
    if (here.name !== 'login') void router.push({ name: 'login', query: { next: here.fullPath } })
  },
})

app.mount('#app')
